"""Incomes and 两不愁三保障 + drinking-water tables of a synthetic population."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from bottomline.registry import columns
from bottomline.registry.enums import IncomeSource
from bottomline.synth.streams import stream

if TYPE_CHECKING:
    from bottomline.synth.incomes import IncomeModel
    from bottomline.synth.layout import Layout

# Yearly shares of households with a problem found, three times as high in formerly poor ones
# [B: the 三保障 and drinking-water problems were cleared by 2020 and are kept at zero by
# dynamic checks (动态清零); what a collection still finds is rare, and most of it is already
# being handled in monitoring].
PROBLEM_RATES = {"food_clothing_insecure": 0.0001, "housing_unsafe": 0.0005, "water_unsafe": 0.001}
FORMERLY_POOR_FACTOR = 3.0


def incomes_table(model: IncomeModel, year: int) -> pa.Table:
    """Two rows per household, years Y-1 and Y, ordered by household then year; each year's
    figures as of its last day, loaded straight into the store (source ``load``)."""
    n = len(model.current["wage"])
    ids = np.repeat(np.arange(1, n + 1, dtype=np.int64), 2)
    years = np.tile(np.array([year - 1, year], dtype=np.int16), n)
    data: dict[str, object] = {"household_id": ids, "year": years}
    for name in columns.MONEY_COLUMNS:
        before, now = model.previous.get(name), model.current.get(name)
        data[name] = (
            np.zeros(2 * n)
            if before is None or now is None
            else np.column_stack((before, now)).ravel()
        )
    return pa.table(data | _loaded(years), schema=columns.INCOMES)


def _loaded(years: np.ndarray) -> dict[str, pa.Array]:
    """Source columns of figures a synthetic population loads: as of each year's last day."""
    ends = pa.array([dt.date(int(y), 12, 31) for y in np.unique(years)], pa.date32())
    at = pa.array(np.searchsorted(np.unique(years), years))
    return {
        "source": pa.repeat(pa.scalar(IncomeSource.load.value), len(years)),
        "source_ref": pa.nulls(len(years), pa.int64()),
        "as_of": ends.take(at),
    }


def guarantees_table(layout: Layout, poor: np.ndarray, seed: int, year: int) -> pa.Table:
    """One row per household for year Y; water problems cluster by village."""
    rng = stream(seed, "guarantees")
    n = len(poor)
    factor = np.where(poor, FORMERLY_POOR_FACTOR, 1.0) / (
        1 + (FORMERLY_POOR_FACTOR - 1) * poor.mean()
    )
    village = rng.lognormal(-0.5, 1.0, len(layout.villages.county_index))[layout.village]
    data: dict[str, object] = {
        "household_id": np.arange(1, n + 1, dtype=np.int64),
        "year": np.full(n, year, dtype=np.int16),
    }
    for name, rate in PROBLEM_RATES.items():
        local = village if name == "water_unsafe" else 1.0
        data[name] = rng.random(n) < rate * factor * local
    years = np.full(n, year, dtype=np.int16)
    return pa.table(data | _loaded(years), schema=columns.GUARANTEES)
