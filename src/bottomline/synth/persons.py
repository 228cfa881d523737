"""Per-person and per-household arrays read back from a population's tables for the panel.

The panel works on integer codes, not strings: every enum column becomes an index into the
code tuples of ``synth.members`` and every household knows its village, township and county.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.registry.enums import RegionLevel
from bottomline.synth import households as household_model
from bottomline.synth import members as member_model
from bottomline.synth.population import Population

EPOCH = np.datetime64("1970-01-01", "D")


def codes_of(column: pa.ChunkedArray | pa.Array, codes: tuple[object, ...]) -> np.ndarray:
    """Index of every value in ``codes`` (which must contain all values)."""
    keys = pa.array([str(c) for c in codes], pa.string())
    return pc.index_in(column, value_set=keys).to_numpy(zero_copy_only=False).astype(np.int8)


def flags(table: pa.Table, name: str) -> np.ndarray:
    return table[name].to_numpy(zero_copy_only=False).astype(bool)


@dataclass(slots=True)
class Places:
    """Villages, townships and counties of the population, by index."""

    village_names: pa.Array
    township_names: pa.Array
    county_names: pa.Array
    village_township: np.ndarray
    township_county: np.ndarray
    provinces: frozenset[str]  # 2-digit prefixes of the population's provinces


@dataclass(slots=True)
class People:
    household: np.ndarray  # 0-based household index of every person
    age: np.ndarray  # completed years at the panel start
    health: np.ndarray
    grade: np.ndarray
    labour: np.ndarray
    schooling: np.ndarray
    migrant_months: np.ndarray
    insured: np.ndarray
    dibao: np.ndarray
    tekun: np.ndarray
    role: np.ndarray  # index into synth.households.ROLES
    male: np.ndarray
    id_number: pa.Array
    name: pa.Array
    # per household
    size: np.ndarray
    head: np.ndarray  # member index of the head
    formerly_poor: np.ndarray
    village: np.ndarray
    places: Places

    @property
    def count(self) -> int:
        return len(self.household)


def _places(regions: pa.Table, village_codes: pa.ChunkedArray) -> tuple[Places, np.ndarray]:
    level = regions["level"]
    villages = regions.filter(pc.equal(level, RegionLevel.village.value))
    towns = regions.filter(pc.equal(level, RegionLevel.township.value))
    counties = regions.filter(pc.equal(level, RegionLevel.county.value))
    village_town = pc.index_in(villages["parent_code"], value_set=towns["code"].combine_chunks())
    town_county = pc.index_in(towns["parent_code"], value_set=counties["code"].combine_chunks())
    of_household = pc.index_in(village_codes, value_set=villages["code"].combine_chunks())
    places = Places(
        villages["name"].combine_chunks(),
        towns["name"].combine_chunks(),
        counties["name"].combine_chunks(),
        village_town.to_numpy(zero_copy_only=False),
        town_county.to_numpy(zero_copy_only=False),
        frozenset(code[:2] for code in counties["code"].to_pylist()),
    )
    return places, of_household.to_numpy(zero_copy_only=False)


def people_of(pop: Population, start: np.datetime64) -> People:
    m, h = pop.tables["members"], pop.tables["households"]
    household = m["household_id"].to_numpy() - 1
    birth = m["birth_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    age = ((start - birth).astype(np.int64) / 365.2425).astype(np.int16)
    size = np.bincount(household, minlength=h.num_rows)
    places, village = _places(pop.tables["regions"], h["village_code"])
    return People(
        household=household,
        age=age,
        health=codes_of(m["health"], member_model.HEALTH_CODES),
        grade=m["disability_grade"].fill_null(0).to_numpy().astype(np.int8),
        labour=codes_of(m["labour_capacity"], member_model.LABOUR_CODES),
        schooling=codes_of(m["schooling"], member_model.SCHOOLING_CODES),
        migrant_months=m["migrant_months"].to_numpy().astype(np.int8),
        insured=flags(m, "insured_medical"),
        dibao=flags(m, "dibao"),
        tekun=flags(m, "tekun"),
        role=codes_of(m["relationship"], household_model.ROLES),
        male=pc.equal(m["sex"], "male").to_numpy(zero_copy_only=False),
        id_number=m["id_number"].combine_chunks(),
        name=m["name"].combine_chunks(),
        size=size,
        head=np.r_[0, np.cumsum(size)[:-1]],
        formerly_poor=flags(h, "formerly_poor"),
        village=village,
        places=places,
    )
