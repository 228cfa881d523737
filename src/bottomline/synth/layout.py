"""Where households live: counties, villages and the synthetic former-poverty flags.

Households are spread over the counties (a province run weights rural counties above urban
districts), then over each county's villages with uneven village sizes. Registered-poor
(建档立卡) households concentrate in the synthetic former poverty counties and, within a county,
in some villages (the former 贫困村).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from bottomline.registry.divisions import Division
from bottomline.synth.regions import (
    Villages,
    build_villages,
    county_weights,
    is_urban_district,
    poverty_counties,
    village_counts,
)
from bottomline.synth.streams import pick, stream

# Share of households that were registered poor (建档立卡) [B: about a quarter of rural households
# in national poverty counties, around 5 % elsewhere]; a village factor concentrates them.
FORMERLY_POOR_SHARE = {"poverty_county": 0.25, "other": 0.05, "urban_district": 0.02}
RELOCATED_SHARE = 0.08  # of formerly poor households [B: 9.6 M relocated of 99 M lifted]
EXIT_YEARS = np.arange(2014, 2021)
EXIT_WEIGHTS = (0.08, 0.10, 0.18, 0.17, 0.20, 0.20, 0.07)  # [B] rough shape of exits by year


@dataclass(frozen=True, slots=True)
class Layout:
    counties: list[Division]
    poverty_county: np.ndarray  # per county
    villages: Villages
    townships: pa.Table
    village: np.ndarray  # per household, sorted
    seq_in_village: np.ndarray  # per household, 1-based

    @property
    def county(self) -> np.ndarray:
        return self.villages.county_index[self.village]


def households_per_county(counties: list[Division], households: int, seed: int) -> np.ndarray:
    if len(counties) == 1:
        return np.array([households], dtype=np.int64)
    rng = stream(seed, "county-split")
    return rng.multinomial(households, county_weights(counties, rng)).astype(np.int64)


def lay_out(
    counties: list[Division],
    households: int,
    seed: int,
    former_poverty_counties: Collection[str] | None = None,
) -> Layout:
    per_county = households_per_county(counties, households, seed)
    villages, townships = build_villages(counties, village_counts(per_county), seed)
    village = _place(per_county, villages, seed)
    first = np.r_[True, village[1:] != village[:-1]]
    starts = np.flatnonzero(first)
    seq = np.arange(len(village)) - np.repeat(starts, np.diff(np.r_[starts, len(village)])) + 1
    if former_poverty_counties is None:
        flags = poverty_counties(counties, seed)
    else:
        flags = np.array([c.code in set(former_poverty_counties) for c in counties])
    return Layout(counties, flags, villages, townships, village, seq)


def _place(per_county: np.ndarray, villages: Villages, seed: int) -> np.ndarray:
    """Village index of every household, in village order; a loop over counties, not people."""
    rng = stream(seed, "villages")
    weights = rng.lognormal(0.0, 0.35, len(villages.county_index))
    parts = []
    for county, count in enumerate(per_county):
        own = np.flatnonzero(villages.county_index == county)
        share = weights[own] / weights[own].sum()
        parts.append(np.repeat(own, rng.multinomial(count, share)))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def formerly_poor(layout: Layout, seed: int) -> np.ndarray:
    rng = stream(seed, "formerly-poor")
    urban = np.array([is_urban_district(c) for c in layout.counties])
    base = np.where(
        layout.poverty_county,
        FORMERLY_POOR_SHARE["poverty_county"],
        np.where(urban, FORMERLY_POOR_SHARE["urban_district"], FORMERLY_POOR_SHARE["other"]),
    )
    village_factor = rng.lognormal(-0.18, 0.6, len(layout.villages.county_index))
    p = (base[layout.county] * village_factor[layout.village]).clip(0, 0.9)
    return rng.random(len(layout.village)) < p


def exit_years(rng: np.random.Generator, poor: np.ndarray) -> np.ndarray:
    years = EXIT_YEARS[pick(rng, EXIT_WEIGHTS, len(poor))]
    return np.where(poor, years, 0).astype(np.int16)


def relocated(rng: np.random.Generator, poor: np.ndarray) -> np.ndarray:
    return poor & (rng.random(len(poor)) < RELOCATED_SHARE)
