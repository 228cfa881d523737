from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from bottomline.ids import id_problem
from bottomline.registry import columns
from bottomline.registry.divisions import all_divisions
from bottomline.synth.population import Population, generate_population, write_snapshot

from .conftest import COUNTY, LINE, PROVINCE, YEAR

MONEY = list(columns.MONEY_COLUMNS)


def _frames(pop: Population) -> dict[str, pd.DataFrame]:
    return {name: table.to_pandas() for name, table in pop.tables.items()}


def _ages(members: pd.DataFrame) -> pd.Series:
    born = pd.to_datetime(members.birth_date)
    return YEAR - born.dt.year - 1  # completed years on 1 January of the income year


def _pc_income(pop: Population, year: int) -> pd.Series:
    t = _frames(pop)
    inc = t["incomes"][t["incomes"].year == year].set_index("household_id")
    net = inc[list(columns.INCOME_COLUMNS)].sum(axis=1) - inc.production_costs
    return net / t["members"].groupby("household_id").size()


def test_same_seed_gives_identical_tables() -> None:
    first = generate_population(counties=[COUNTY], households=300, seed=42, year=YEAR)
    second = generate_population(counties=[COUNTY], households=300, seed=42, year=YEAR)
    for name in columns.SNAPSHOT_TABLES:
        assert first.tables[name].equals(second.tables[name]), name


def test_different_seed_gives_different_people() -> None:
    first = generate_population(counties=[COUNTY], households=300, seed=1, year=YEAR)
    second = generate_population(counties=[COUNTY], households=300, seed=2, year=YEAR)
    assert not first.tables["members"].equals(second.tables["members"])
    assert first.tables["members"]["id_number"] != second.tables["members"]["id_number"]


@pytest.mark.parametrize("name", list(columns.SNAPSHOT_TABLES))
def test_schemas_are_the_snapshot_contract(county_pop: Population, name: str) -> None:
    assert county_pop.tables[name].schema.equals(columns.SNAPSHOT_TABLES[name])


def test_id_numbers_are_valid_unique_and_match_the_person(province_pop: Population) -> None:
    m = province_pop.tables["members"].to_pandas()
    today = dt.date.today()
    assert all(id_problem(v, today=today) is None for v in m.id_number)
    assert m.id_number.is_unique
    assert (m.id_number.str[6:14] == pd.to_datetime(m.birth_date).dt.strftime("%Y%m%d")).all()
    odd = m.id_number.str[16].astype(int) % 2 == 1
    assert (odd == (m.sex == "male")).all()
    counties = {code[:6] for code, d in all_divisions().items() if d.level == "county"}
    assert set(m.id_number.str[:6]) <= counties
    assert (m.id_kind == "resident_id").all()


def test_every_household_has_one_adult_head_listed_first(county_pop: Population) -> None:
    m = county_pop.tables["members"].to_pandas()
    m["age"] = _ages(m)
    heads = m[m.relationship == "head"]
    assert heads.household_id.is_unique
    assert len(heads) == county_pop.tables["households"].num_rows
    assert (m.groupby("household_id").relationship.first() == "head").all()
    assert heads.age.min() >= 16


def test_household_sizes_and_ages_are_plausible(province_pop: Population) -> None:
    m = province_pop.tables["members"].to_pandas()
    m["age"] = _ages(m)
    sizes = m.groupby("household_id").size()
    assert sizes.min() >= 1
    assert sizes.max() <= 8
    assert 3.2 <= sizes.mean() <= 3.6
    assert 0.18 <= (m.age >= 60).mean() <= 0.30
    assert 0.12 <= (m.age <= 14).mean() <= 0.24
    assert 0.04 <= (m.health == "disabled").mean() <= 0.08


def test_relatives_are_consistent_with_the_head(county_pop: Population) -> None:
    m = county_pop.tables["members"].to_pandas()
    m["age"] = _ages(m)
    head = m[m.relationship == "head"].set_index("household_id")
    m = m.merge(
        head[["age", "sex", "name"]].add_suffix("_head"), left_on="household_id", right_index=True
    )
    spouses = m[m.relationship == "spouse"]
    assert (spouses.sex != spouses.sex_head).all()
    children = m[m.relationship == "child"]
    assert (children.age <= children.age_head - 15).all()
    parents = m[m.relationship == "parent"]
    assert (parents.age >= parents.age_head + 15).all()
    kin = m[m.relationship.isin(["child", "grandchild"])]
    assert (kin.name.str[0] == kin.name_head.str[0]).mean() > 0.99  # share the head's surname


def test_schooling_and_labour_follow_age(county_pop: Population) -> None:
    m = county_pop.tables["members"].to_pandas()
    m["age"] = _ages(m)
    assert set(m[m.schooling == "compulsory"].age) <= set(range(6, 16))
    assert set(m[m.schooling == "preschool"].age) <= {3, 4, 5}
    assert (m[m.age < 16].labour_capacity == "none").all()
    in_school = m.schooling.isin(["compulsory", "senior_high", "vocational", "higher"])
    assert (m[in_school].labour_capacity == "none").all()
    assert (m[in_school].migrant_months == 0).all()
    away = m.migrant_months > 0
    assert m[away].migrant_place.notna().all()
    assert m[~away].migrant_place.isna().all()
    assert (m.disability_grade.notna() == (m.health == "disabled")).all()
    assert (m.insured_serious_illness <= m.insured_medical).all()
    assert 0.98 <= m.insured_medical.mean() < 1.0


def test_household_flags_match_members(county_pop: Population) -> None:
    t = _frames(county_pop)
    g = t["members"].groupby("household_id")
    hh = t["households"].set_index("household_id")
    any_tekun, any_dibao = g.tekun.any(), g.dibao.any()
    expected = np.where(any_tekun, "tekun", np.where(any_dibao, "dibao", "ordinary"))
    assert (hh.household_type.to_numpy() == expected).all()
    can_work = t["members"].labour_capacity.isin(["skilled", "able", "weak"])
    no_labour = ~can_work.groupby(t["members"].household_id).any()
    assert (hh.no_labour_household == no_labour).all()
    assert (hh.poverty_exit_year.notna() == hh.formerly_poor).all()
    assert hh.poverty_exit_year.dropna().between(2014, 2020).all()
    assert not (hh.relocated & ~hh.formerly_poor).any()


def test_assistance_shares(province_pop: Population) -> None:
    m = province_pop.tables["members"].to_pandas()
    assert 0.04 <= m.dibao.mean() <= 0.07
    assert 0.002 <= m.tekun.mean() <= 0.01
    assert not (m.dibao & m.tekun).any()


def test_household_codes_and_villages(county_pop: Population) -> None:
    t = _frames(county_pop)
    regions = t["regions"].set_index("code")
    hh = t["households"]
    assert hh.household_id.tolist() == list(range(1, len(hh) + 1))
    assert hh.household_no.is_unique
    assert (hh.household_no.str[:12] == hh.village_code).all()
    assert (regions.loc[hh.village_code, "level"] == "village").all()
    towns = regions.loc[regions.loc[hh.village_code, "parent_code"]]
    assert (towns.level == "township").all()
    assert (towns.parent_code == COUNTY).all()
    assert towns.index.str.endswith("000").all()
    assert towns.name.str[-1].isin(["镇", "乡"]).all()
    assert hh.phone.dropna().str.fullmatch(r"1\d{10}").all()
    assert regions.loc[COUNTY, "name"] == "元谋县"
    assert regions[regions.level == "province"].index.tolist() == [PROVINCE]


def test_incomes_have_two_years_of_whole_yuan(county_pop: Population) -> None:
    inc = county_pop.tables["incomes"].to_pandas()
    years = inc.groupby("household_id").year.apply(sorted)
    assert (years.map(tuple) == (YEAR - 1, YEAR)).all()
    assert len(years) == county_pop.tables["households"].num_rows
    money = inc[MONEY].to_numpy()
    assert (money == np.round(money)).all()
    assert (money >= 0).all()


def test_transfers_follow_assistance_flags(county_pop: Population) -> None:
    t = _frames(county_pop)
    cur = t["incomes"][t["incomes"].year == YEAR].set_index("household_id")
    g = t["members"].groupby("household_id")
    assert ((cur.transfer_dibao > 0) == g.dibao.any()).all()
    assert ((cur.transfer_tekun > 0) == g.tekun.any()).all()


def test_income_spread_is_calibrated(province_pop: Population) -> None:
    pc_income = _pc_income(province_pop, YEAR)
    below = (pc_income < LINE).mean()
    near = ((pc_income >= LINE) & (pc_income < 1.5 * LINE)).mean()
    # 0.6 % in the demo county: most households under the line in both years were lifted by
    # assistance, so the open stock stays in 0.5–2 % (docs/synth.md, Monitoring in the registry)
    assert 0.003 <= below <= 0.02
    assert near >= 0.05
    assert 15000 <= pc_income.mean() <= 28000


def test_some_households_had_a_sharp_drop(province_pop: Population) -> None:
    before, after = _pc_income(province_pop, YEAR - 1), _pc_income(province_pop, YEAR)
    dropped = (after < 0.7 * before).mean()
    grew = (after > before).mean()
    assert 0.004 <= dropped <= 0.03  # SHARP_DROP_SHARE 1.5 %, calibrated (docs/synth.md)
    assert grew >= 0.8


def test_guarantee_problems_are_rare(province_pop: Population) -> None:
    g = province_pop.tables["guarantees"].to_pandas()
    assert (g.year == YEAR).all()
    assert g.household_id.is_unique
    assert g.food_clothing_insecure.mean() <= 0.005
    assert g.housing_unsafe.mean() <= 0.01
    assert g[["housing_unsafe", "water_unsafe"]].to_numpy().sum() > 0


def test_province_scope_spreads_over_counties(province_pop: Population) -> None:
    villages = pc.utf8_slice_codeunits(province_pop.tables["households"]["village_code"], 0, 6)
    assert len(province_pop.county_codes) > 100
    assert len(pc.unique(villages)) > 50


def test_write_snapshot_round_trips(county_pop: Population, tmp_path: Path) -> None:
    paths = write_snapshot(county_pop, tmp_path)
    assert set(paths) == set(columns.SNAPSHOT_TABLES) | set(columns.EXTRA_TABLES)
    for name, path in paths.items():
        assert path == tmp_path / f"{name}.parquet"
        if name in columns.EXTRA_TABLES:
            assert pq.read_table(path).num_rows == 0
            continue
        assert pq.read_table(path).equals(county_pop.tables[name])


def test_future_year_is_refused() -> None:
    with pytest.raises(ValueError, match="future"):
        generate_population(counties=[COUNTY], households=10, seed=1, year=dt.date.today().year + 1)


@pytest.mark.parametrize("fixture", ["county_pop", "province_pop"])
def test_region_codes_are_unique_and_parents_exist(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    regions = request.getfixturevalue(fixture).tables["regions"].to_pylist()
    codes = [r["code"] for r in regions]
    assert len(codes) == len(set(codes))
    assert all(r["parent_code"] in set(codes) for r in regions if r["parent_code"] is not None)
    villages = {r["code"] for r in regions if r["level"] == "village"}
    households = request.getfixturevalue(fixture).tables["households"]
    assert set(households["village_code"].to_pylist()) <= villages
