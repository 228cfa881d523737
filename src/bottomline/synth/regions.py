"""Regions of a synthetic population: real province, city and county rows, made-up townships
(乡镇) and villages (行政村) below each county, and the synthetic former-poverty-county flag.

Township codes are the county's 6 digits, a 3-digit township number (101… for 镇, 201… for 乡)
and ``000``; village codes are the township's 9 digits and a 3-digit number from 201 (the range
statistical codes use for village committees). About 300 households live in a village and about
15 villages make a township.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from bottomline.registry.columns import REGIONS
from bottomline.registry.divisions import Division, ancestors, division
from bottomline.registry.enums import RegionLevel
from bottomline.synth.names import place_names
from bottomline.synth.streams import stream
from bottomline.synth.strings import ascii_array, ascii_codes, digits, take

HOUSEHOLDS_PER_VILLAGE = 300
VILLAGES_PER_TOWNSHIP = 15
TOWN_SHARE = 0.7  # share of townships that are 镇 rather than 乡 [B]

# Share of a province's county-level divisions that were national poverty counties (国家级贫困县)
# before 2020 [B: counts of the 2014 list over the province's county-level divisions]; 832
# counties of about 2,850 nationally (S41) gives the default.
POVERTY_COUNTY_SHARE: dict[str, float] = {
    "53": 0.68,  # 云南 88
    "52": 0.75,  # 贵州 66
    "45": 0.48,  # 广西 54
    "62": 0.87,  # 甘肃 75
    "50": 0.37,  # 重庆 14
    "51": 0.48,  # 四川 88
    "54": 1.0,  # 西藏 74
    "63": 0.93,  # 青海 42
}
DEFAULT_POVERTY_COUNTY_SHARE = 832 / 2850
URBAN_DISTRICT_FACTOR = (
    0.3  # a 市辖区 is less often a poverty county and has fewer rural households
)


@dataclass(frozen=True, slots=True)
class Villages:
    """Village-level arrays (one entry per village) used to place households."""

    codes: np.ndarray  # (n, 12) uint8 ASCII
    names: pa.Array
    county_index: np.ndarray  # index into the population's county list
    township_index: np.ndarray  # global township number


def is_urban_district(county: Division) -> bool:
    return county.name.endswith("区")


def poverty_counties(counties: list[Division], seed: int) -> np.ndarray:
    """Which counties are synthetic former poverty counties: a seeded draw per county."""
    flags = np.zeros(len(counties), dtype=bool)
    for i, county in enumerate(counties):
        share = POVERTY_COUNTY_SHARE.get(county.code[:2], DEFAULT_POVERTY_COUNTY_SHARE)
        if is_urban_district(county):
            share *= URBAN_DISTRICT_FACTOR
        flags[i] = stream(seed, "poverty-county", int(county.code)).random() < share
    return flags


def county_weights(counties: list[Division], rng: np.random.Generator) -> np.ndarray:
    """Relative number of rural households per county (urban districts have fewer)."""
    urban = np.array([is_urban_district(c) for c in counties])
    weights = rng.lognormal(0.0, 0.45, len(counties)) * np.where(urban, 0.4, 1.0)
    return weights / weights.sum()


def village_counts(households_per_county: np.ndarray) -> np.ndarray:
    return np.maximum(1, np.rint(households_per_county / HOUSEHOLDS_PER_VILLAGE)).astype(np.int64)


def build_villages(
    counties: list[Division], villages_per_county: np.ndarray, seed: int
) -> tuple[Villages, pa.Table]:
    """Townships and villages below each county; returns the villages and the township rows."""
    rng = stream(seed, "regions")
    towns_per_county = -(-villages_per_county // VILLAGES_PER_TOWNSHIP)
    town_county = np.repeat(np.arange(len(counties)), towns_per_county)
    town_rank = _rank_in_group(town_county)
    is_town = rng.random(len(town_county)) < TOWN_SHARE
    town_no = _township_numbers(town_county, is_town)
    county_prefix = ascii_codes([c.code[:6] for c in counties])
    town_codes = _codes(county_prefix[town_county], town_no, "000")
    town_names = place_names(
        rng.integers(0, 1 << 20, len(counties))[town_county],
        town_rank,
        take(["乡", "镇"], is_town.astype(np.int64)),
    )
    village_town = _spread_villages(villages_per_county, towns_per_county, town_county)
    village_no = 201 + _rank_in_group(village_town)
    village_codes = _codes(town_codes[village_town, :9], village_no, "")
    village_names = place_names(
        rng.integers(0, 1 << 20, len(town_county))[village_town],
        village_no - 201,
        pa.array(np.full(len(village_town), "村")),
    )
    townships = _region_rows(
        town_codes, town_names, RegionLevel.township, county_prefix, town_county
    )
    villages = Villages(village_codes, village_names, town_county[village_town], village_town)
    return villages, townships


def _spread_villages(
    villages_per_county: np.ndarray, towns_per_county: np.ndarray, town_county: np.ndarray
) -> np.ndarray:
    """The township of every village: villages of a county dealt evenly over its townships."""
    village_county = np.repeat(np.arange(len(villages_per_county)), villages_per_county)
    rank = _rank_in_group(village_county)
    first_town = np.concatenate([[0], np.cumsum(towns_per_county)[:-1]])
    # sorted, so each township's villages are one run (numbered 201, 202 … by _rank_in_group)
    return np.sort(first_town[village_county] + rank % towns_per_county[village_county])


def _rank_in_group(group: np.ndarray) -> np.ndarray:
    """0, 1, 2 … within runs of equal, sorted group numbers."""
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    run = np.diff(np.r_[starts, len(group)])
    return np.arange(len(group)) - np.repeat(starts, run)


def _township_numbers(town_county: np.ndarray, is_town: np.ndarray) -> np.ndarray:
    """101, 102 … for 镇 and 201, 202 … for 乡, counted within each county."""
    key = town_county * 2 + is_town
    order = np.argsort(key, kind="stable")
    ranks = np.empty(len(key), dtype=np.int64)
    ranks[order] = _rank_in_group(key[order])
    return np.where(is_town, 101, 201) + ranks


def _codes(prefix: np.ndarray, number: np.ndarray, tail: str) -> np.ndarray:
    tail_chars = np.frombuffer(tail.encode("ascii"), dtype=np.uint8)
    tails = np.broadcast_to(tail_chars, (len(number), len(tail_chars)))
    return np.hstack([prefix, digits(number, 3), tails])


def _region_rows(
    codes: np.ndarray,
    names: pa.Array,
    level: RegionLevel,
    parent_prefix: np.ndarray,
    parent_index: np.ndarray,
) -> pa.Table:
    width = 12 - parent_prefix.shape[1]
    parent = np.hstack(
        [parent_prefix[parent_index], np.full((len(codes), width), ord("0"), np.uint8)]
    )
    return pa.table(
        {
            "code": ascii_array(codes),
            "name": names,
            "level": pa.array(np.full(len(codes), level.value)),
            "parent_code": ascii_array(parent),
        },
        schema=REGIONS,
    )


def village_rows(villages: Villages, townships: pa.Table) -> pa.Table:
    parent = townships["code"].combine_chunks().take(pa.array(villages.township_index))
    return pa.table(
        {
            "code": ascii_array(villages.codes),
            "name": villages.names,
            "level": pa.array(np.full(len(villages.codes), RegionLevel.village.value)),
            "parent_code": parent,
        },
        schema=REGIONS,
    )


def upper_rows(counties: list[Division]) -> pa.Table:
    """Province, city and county rows of the counties, each once, from the official list."""
    seen: dict[str, Division] = {}
    for county in counties:
        for found in ancestors(county.code):
            seen.setdefault(found.code, found)
    rows = sorted(seen.values(), key=lambda d: d.code)
    return pa.table(
        {
            "code": [d.code for d in rows],
            "name": [d.name for d in rows],
            "level": [d.level for d in rows],
            "parent_code": [d.parent_code for d in rows],
        },
        schema=REGIONS,
    )


def scope_name(county_codes: list[str]) -> str:
    """The name a department puts in a file title: the county, or the province of the counties."""
    if len(county_codes) == 1:
        return division(county_codes[0]).name
    provinces = {code[:2] for code in county_codes}
    if len(provinces) == 1:
        return division(county_codes[0][:2] + "0" * 10).name
    return "全国"


def regions_table(counties: list[Division], villages: Villages, townships: pa.Table) -> pa.Table:
    return pa.concat_tables([upper_rows(counties), townships, village_rows(villages, townships)])
