"""A synthetic rural population as a registry snapshot (户、人、收入、保障).

``generate_population`` builds the five snapshot tables of ``registry.columns`` for households
spread over real counties, deterministically from a seed, with numpy and Arrow and without
Python loops over people. ``population_for`` takes a county or province code; ``write_snapshot``
writes the tables as Parquet, the layout screening reads. See docs/synth.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bottomline.errors import UnknownRegionError
from bottomline.registry import columns
from bottomline.registry.divisions import Division, counties_of, division
from bottomline.registry.enums import HouseholdType, RegionLevel
from bottomline.synth import households as hh_model
from bottomline.synth import members as member_model
from bottomline.synth.guarantees import guarantees_table, incomes_table
from bottomline.synth.identity import phones
from bottomline.synth.incomes import HouseholdView, IncomeModel, PersonView, income_model
from bottomline.synth.layout import Layout, exit_years, formerly_poor, lay_out, relocated
from bottomline.synth.monitoring import HouseholdRisk, lift_by_assistance, monitoring_columns
from bottomline.synth.regions import regions_table
from bottomline.synth.roster import members_table
from bottomline.synth.streams import stream
from bottomline.synth.strings import ascii_array, digits, join, number_text, take

Progress = Callable[[str, float], None]
# The line of the synthetic county's past monitoring: Yunnan's 2025 monitoring range (S21,
# policies/530000000000-2025-yunnan.toml), the demo county's province. Generation data, not
# screening policy: screening reads its line from the policy in force.
MONITORING_LINE = 8700.0


@dataclass
class Population:
    year: int  # the current income year (Y)
    tables: dict[str, pa.Table]  # regions, households, members, incomes, guarantees
    county_codes: list[str]


def _quiet(stage: str, fraction: float) -> None:
    """The default progress callback: say nothing."""


def population_for(
    *,
    scope: str,
    households: int,
    seed: int,
    year: int,
    progress: Progress | None = None,
    former_poverty: bool | None = None,
    monitoring_line: float = MONITORING_LINE,
) -> Population:
    """A population for a county (12-digit code) or a province or city (its counties).

    ``former_poverty`` decides whether a single county is a former poverty county; ``None``
    draws it by seed with the province's share.
    """
    found = division(scope)
    if found.level == RegionLevel.county.value:
        counties = [found.code]
    else:
        counties = [d.code for d in _counties_below(found)]
    chosen = None if former_poverty is None else (counties if former_poverty else [])
    return generate_population(
        counties=counties,
        households=households,
        seed=seed,
        year=year,
        progress=progress,
        former_poverty_counties=chosen,
        monitoring_line=monitoring_line,
    )


def _counties_below(found: Division) -> list[Division]:
    if found.level == RegionLevel.province.value:
        return counties_of(found.code)
    return [d for d in counties_of(found.code[:2] + "0" * 10) if d.parent_code == found.code]


def generate_population(
    *,
    counties: list[str],
    households: int,
    seed: int,
    year: int,
    progress: Progress | None = None,
    former_poverty_counties: Collection[str] | None = None,
    monitoring_line: float = MONITORING_LINE,
) -> Population:
    """Generate ``households`` synthetic households over ``counties`` for income year ``year``.

    ``former_poverty_counties`` lists the synthetic former poverty counties; by default a
    seeded share of the counties is chosen (docs/synth.md). ``monitoring_line`` (yuan per
    person a year) is the line the county's past monitoring used for the recorded stock of
    monitored and eliminated households.
    """
    report = progress or _quiet
    divs = _check_counties(counties, households, year)
    layout = lay_out(divs, households, seed, former_poverty_counties)
    report("regions", 0.1)
    frame = _build_frame(layout, seed, year)
    report("members", 0.4)
    model = income_model(
        stream(seed, "incomes"), frame.person_view(), frame.household_view(layout, seed)
    )
    assisted = lift_by_assistance(
        stream(seed, "assistance-lift"), model.current, model.previous, frame.sizes,
        monitoring_line,
    )  # fmt: skip
    report("incomes", 0.6)
    incomes = incomes_table(model, year)  # first, so the per-household amounts can go
    guarantees = guarantees_table(layout, frame.formerly_poor, seed, year)
    risk = household_risk(frame, model, guarantees, assisted)
    households = _households_table(layout, frame, model, seed)
    households = _with_monitoring(households, risk, seed, year, monitoring_line)
    assistance = model.assistance
    del model
    tables = {
        "regions": regions_table(divs, layout.villages, layout.townships),
        "households": households,
        "members": members_table(layout, frame, assistance, seed),
        "incomes": incomes,
        "guarantees": guarantees,
    }
    report("tables", 1.0)
    return Population(year, tables, [d.code for d in divs])


def _check_counties(counties: list[str], households: int, year: int) -> list[Division]:
    if households < 1:
        raise ValueError("households must be at least 1")
    if year > dt.date.today().year:
        raise ValueError(f"income year {year} is in the future; birth dates must be in the past")
    divs = [division(code) for code in counties]
    wrong = [d.code for d in divs if d.level != RegionLevel.county.value]
    if wrong or not divs:
        raise UnknownRegionError(
            f"不是县级区划代码 / not county-level division codes: {wrong or counties}",
            hint="给出12位县级代码，例如 532328000000，或使用 population_for(scope=…) / "
            "give 12-digit county codes such as 532328000000, or use population_for(scope=…)",
        )
    return sorted(divs, key=lambda d: d.code)


@dataclass(slots=True)
class Frame:
    """The people and households before they become tables."""

    people: hh_model.People
    attrs: member_model.Attributes
    sizes: np.ndarray
    formerly_poor: np.ndarray
    birth: np.ndarray  # datetime64[D]

    def person_view(self) -> PersonView:
        a = self.attrs
        return PersonView(
            self.people.household, self.people.age, a.health, a.disability_grade, a.labour,
            a.schooling, a.migrant_months, a.insured_pension,
        )  # fmt: skip

    def household_view(self, layout: Layout, seed: int) -> HouseholdView:
        rng = stream(seed, "county-effects")
        poverty = layout.poverty_county
        wage = np.where(poverty, 0.75, 1.0) * rng.lognormal(0.0, 0.1, len(poverty))
        farm = np.where(poverty, 0.65, 1.0) * rng.lognormal(0.0, 0.25, len(poverty))
        county = layout.county
        return HouseholdView(
            self.sizes, self.formerly_poor, wage[county], farm[county], county, poverty[county]
        )


def _build_frame(layout: Layout, seed: int, year: int) -> Frame:
    rng = stream(seed, "people")
    n = len(layout.village)
    sizes = hh_model.household_sizes(rng, n)
    people = hh_model.build_people(rng, sizes, hh_model.head_ages(rng, sizes))
    poor = formerly_poor(layout, seed)
    frailty = np.where(poor[people.household], 1.3, 1.0)
    attrs = member_model.attributes(stream(seed, "attributes"), people.age, frailty)
    return Frame(people, attrs, sizes, poor, _birth_dates(rng, people.age, year))


def _birth_dates(rng: np.random.Generator, age: np.ndarray, year: int) -> np.ndarray:
    """Birth dates giving ``age`` completed years on 1 January of ``year``."""
    ref = np.datetime64(f"{year}-01-01", "D")
    years_back = (ref.astype("datetime64[Y]") - age.astype("timedelta64[Y]")).astype(
        "datetime64[D]"
    )
    shift = rng.integers(1, 366, len(age)).astype("timedelta64[D]")
    return years_back - shift


def _households_table(layout: Layout, frame: Frame, model: IncomeModel, seed: int) -> pa.Table:
    rng = stream(seed, "household-fields")
    n = len(layout.village)
    codes = layout.villages.codes[layout.village]
    poor = frame.formerly_poor
    exit_year = exit_years(rng, poor)
    return pa.table(
        {
            "household_id": np.arange(1, n + 1, dtype=np.int64),
            "household_no": ascii_array(np.hstack([codes, digits(layout.seq_in_village, 5)])),
            "village_code": ascii_array(codes),
            "address": _addresses(layout),
            "phone": phones(rng, n),
            "household_type": _household_types(frame, model),
            "formerly_poor": poor,
            "poverty_exit_year": pa.array(exit_year, pa.int16(), mask=~poor),
            "relocated": relocated(rng, poor),
            "no_labour_household": _no_labour(frame),
            "monitoring_category": pa.nulls(n, pa.string()),
            "monitoring_risks": pa.ListArray.from_arrays(
                pa.array(np.zeros(n + 1, np.int32)), pa.array([], pa.string())
            ),
            "monitored_on": pa.nulls(n, pa.date32()),
            "risk_eliminated_on": pa.nulls(n, pa.date32()),
        },
        schema=columns.HOUSEHOLDS,
    )


def household_risk(
    frame: Frame, model: IncomeModel, guarantees: pa.Table, assisted: np.ndarray
) -> HouseholdRisk:
    """What the monitoring stock is drawn from: year Y's incomes, members and guarantees."""
    cur, n = model.current, len(frame.sizes)

    def net_of(year: dict[str, np.ndarray]) -> np.ndarray:
        zero = np.zeros(n)
        return np.asarray(
            sum(year.get(c, zero) for c in columns.INCOME_COLUMNS) - year["production_costs"]
        )

    net = net_of(cur)
    rigid = cur["medical_oop"] + cur["education_oop"]
    hh = frame.people.household
    health = frame.attrs.health
    age = frame.people.age
    can_work = np.isin(
        frame.attrs.labour, (member_model.SKILLED, member_model.ABLE, member_model.WEAK)
    )

    def any_of(mask: np.ndarray) -> np.ndarray:
        return np.bincount(hh, weights=mask, minlength=n) > 0

    def flag(name: str) -> np.ndarray:
        return guarantees[name].to_numpy(zero_copy_only=False).astype(bool)

    return HouseholdRisk(
        formerly_poor=frame.formerly_poor,
        size=frame.sizes,
        pc=net / frame.sizes,
        prev_pc=net_of(model.previous) / frame.sizes,
        pc_after_rigid=(net - rigid) / frame.sizes,
        medical_oop=cur["medical_oop"],
        education_oop=cur["education_oop"],
        any_ill=any_of(np.isin(health, (member_model.CHRONIC, member_model.SERIOUS))),
        any_disabled=any_of(health == member_model.DISABLED),
        no_labour=_no_labour(frame),
        dropouts=any_of((frame.attrs.schooling == member_model.DROPOUT) & (age >= 6) & (age <= 15)),
        migrant=any_of(can_work & (frame.attrs.migrant_months > 0)),
        business_loss=cur["business"] < 0,
        drop_cause=model.drop_cause,
        has_wage=cur["wage"] > 0,
        housing_unsafe=flag("housing_unsafe"),
        water_unsafe=flag("water_unsafe"),
        food_insecure=flag("food_clothing_insecure"),
        assisted=assisted,
    )


def _with_monitoring(
    households: pa.Table, risk: HouseholdRisk, seed: int, year: int, line: float
) -> pa.Table:
    columns_ = monitoring_columns(stream(seed, "monitoring"), risk, year, line)
    for name, values in columns_.items():
        households = households.set_column(
            households.schema.get_field_index(name), households.schema.field(name), values
        )
    return households


def _addresses(layout: Layout) -> pa.Array:
    """``<village>3组12号``: about 30 households in a village group (村民小组)."""
    seq = layout.seq_in_village - 1
    group, number = seq // 30 + 1, seq % 30 + 1
    village = layout.villages.names.take(pa.array(layout.village))
    return join(village, number_text(group), "组", number_text(number), "号")


def _household_types(frame: Frame, model: IncomeModel) -> pa.Array:
    n = len(frame.sizes)
    hh = frame.people.household
    tekun = np.bincount(hh, weights=model.assistance.tekun, minlength=n) > 0
    dibao = np.bincount(hh, weights=model.assistance.dibao, minlength=n) > 0
    kind = np.where(tekun, 2, np.where(dibao, 1, 0))
    labels = [HouseholdType.ordinary.value, HouseholdType.dibao.value, HouseholdType.tekun.value]
    return take(labels, kind)


def _no_labour(frame: Frame) -> np.ndarray:
    can = np.isin(frame.attrs.labour, (member_model.SKILLED, member_model.ABLE, member_model.WEAK))
    return np.bincount(frame.people.household, weights=can, minlength=len(frame.sizes)) == 0


def write_snapshot(pop: Population, out_dir: Path) -> dict[str, Path]:
    """Write ``<out_dir>/<table>.parquet`` for each snapshot table (follow-ups empty)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, schema in columns.SNAPSHOT_TABLES.items():
        path = out_dir / f"{name}.parquet"
        pq.write_table(pop.tables[name].cast(schema), path)
        written[name] = path
    for name, schema in columns.EXTRA_TABLES.items():  # no follow-ups in a fresh population
        path = out_dir / f"{name}.parquet"
        pq.write_table(schema.empty_table(), path)
        written[name] = path
    return written
