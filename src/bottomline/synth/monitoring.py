"""Monitoring already recorded in the national system (监测对象): who a county monitors today,
who it monitored and saw the risk eliminated (风险消除), with category, risk types and dates.

A real county screened for the first time is not a blank slate: households under the line, with
rigid spending over their income, a 两不愁三保障 problem or a sharp fall were mostly identified
when the income was collected, and earlier monitored households have had their risk eliminated.
The stock is drawn from each household's own incomes and members, so a monitored household's
category and risk types agree with its data (docs/synth.md, "Monitoring in the registry").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.registry.enums import MAX_RISK_TYPES, Category, RiskType

# [B] shares, derived in docs/synth.md from S60 (national) and the Baoshan 2021 report.
LIFTED_SHARE = 0.6  # households under the line in both years whose assistance lifted them above it
LIFT_RANGE = (1.05, 1.6)  # their per-capita income afterwards, as multiples of the line
IDENTIFIED_SHARE = 0.85  # households at risk now that monitoring has already identified
ELIMINATED_SHARE = 0.035  # households whose earlier risk was eliminated, of all households
POOR_WEIGHT = 4.0  # extra weight of formerly poor households among the eliminated (42 % target)
UNSTABLE_GIVEN_POOR = 0.63  # 26.4 % / 42 %: formerly poor monitored households that are unstable
MARGINAL_GIVEN_OTHER = 0.62  # 36.1 % / 58 %: other monitored households that are marginal
FIRST_MONITORED = dt.date(2021, 1, 1)  # the mechanism's start (S5: 2021 guidance)

# Risk flags in the order a household's risk types are listed (at most MAX_RISK_TYPES).
RISK_ORDER = (
    RiskType.illness,
    RiskType.disability,
    RiskType.lack_of_labour,
    RiskType.schooling,
    RiskType.unstable_employment,
    RiskType.disaster_drought,
    RiskType.housing,
    RiskType.drinking_water,
    RiskType.industry_failure,
)


@dataclass(slots=True)
class HouseholdRisk:
    """Per-household facts the stock is drawn from (year Y)."""

    formerly_poor: np.ndarray
    pc: np.ndarray  # per-capita net income
    pc_after_rigid: np.ndarray
    has_rigid: np.ndarray  # compliant out-of-pocket spending above zero
    any_ill: np.ndarray
    any_disabled: np.ndarray
    no_labour: np.ndarray
    medical_costs: np.ndarray  # compliant medical costs at least the education costs, above 0
    schooling_costs: np.ndarray  # education costs above medical costs
    drop_cause: np.ndarray  # synth.incomes.CAUSES index of a sharp fall in Y (0 none)
    has_wage: np.ndarray
    housing_unsafe: np.ndarray
    water_unsafe: np.ndarray
    food_insecure: np.ndarray
    assisted: np.ndarray  # lifted above the line by assistance (lift_by_assistance)


def lift_by_assistance(
    rng: np.random.Generator,
    current: dict[str, np.ndarray],
    previous: dict[str, np.ndarray],
    sizes: np.ndarray,
    line: float,
) -> np.ndarray:
    """Monitoring that worked: 60 % of the households under the line in both years were identified
    earlier and assistance (a public-welfare job, employment, an industry subsidy) lifted them
    above it, in both years; their risk is eliminated. Changes the two income dicts in place and
    returns the lifted households.
    """
    n = len(sizes)
    pc_now, pc_before = _pc(current, sizes), _pc(previous, sizes)
    structural = (pc_now < line) & (pc_before < line)
    lifted = structural & (rng.random(n) < LIFTED_SHARE)
    target = line * rng.uniform(*LIFT_RANGE, n)
    extra = np.where(lifted, np.rint((target - pc_now) * sizes), 0.0)
    works = current["wage"] > 0
    for year in (current, previous):
        year["wage"] = year["wage"] + np.where(works, extra, 0.0)
        year["transfer_other"] = year["transfer_other"] + np.where(works, 0.0, extra)
    return lifted


def _pc(income: dict[str, np.ndarray], sizes: np.ndarray) -> np.ndarray:
    from bottomline.registry.columns import INCOME_COLUMNS

    zero = np.zeros(len(sizes))
    net = sum(income.get(c, zero) for c in INCOME_COLUMNS) - income["production_costs"]
    return np.asarray(net) / sizes


def at_risk(h: HouseholdRisk, line: float) -> np.ndarray:
    """Households the screening rules would raise on their registry data alone, except that
    rigid spending counts as the stock's earlier wording (S3: over the whole income) rather than
    the 2024 one (income after it under the line): with the 2024 wording the open stock would be
    2.8 % of households, above the published 0.5–2 % (docs/synth.md, "Calibration")."""
    return (
        (h.pc < line)
        | (h.has_rigid & (h.pc_after_rigid < 0))  # rigid spending over the whole income
        | h.housing_unsafe
        | h.water_unsafe
        | h.food_insecure
        | ((h.drop_cause > 0) & (h.pc < 1.5 * line))
    )


def risk_flags(h: HouseholdRisk) -> np.ndarray:
    """An ``(n, len(RISK_ORDER))`` boolean matrix of the risk types each household shows."""
    flags = np.column_stack(
        [
            h.any_ill | (h.drop_cause == 1) | h.medical_costs,
            h.any_disabled,
            h.no_labour,
            h.schooling_costs,
            (h.drop_cause == 2),
            (h.drop_cause == 3),
            h.housing_unsafe,
            h.water_unsafe,
            np.zeros(len(h.pc), dtype=bool),
        ]
    )
    none = ~flags.any(axis=1)  # low income without a named cause: work or the farm
    flags[:, RISK_ORDER.index(RiskType.unstable_employment)] |= none & h.has_wage
    flags[:, RISK_ORDER.index(RiskType.industry_failure)] |= none & ~h.has_wage
    return flags


def risk_lists(flags: np.ndarray, chosen: np.ndarray) -> pa.Array:
    """The first MAX_RISK_TYPES flagged risk types of chosen households, empty lists elsewhere."""
    kept = flags & chosen[:, None]
    kept &= np.cumsum(kept, axis=1) <= MAX_RISK_TYPES
    rows, cols = np.nonzero(kept)
    values = pa.array([r.value for r in RISK_ORDER], pa.string()).take(pa.array(cols))
    offsets = np.r_[0, np.cumsum(np.bincount(rows, minlength=len(chosen)))].astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def _categories(
    rng: np.random.Generator, h: HouseholdRisk, open_: np.ndarray, line: float
) -> np.ndarray:
    """0 unstable, 1 marginal, 2 sudden: from the income now, or drawn for eliminated ones."""
    low = h.pc < line
    u = rng.random(len(h.pc))
    past = np.where(
        h.formerly_poor,
        np.where(u < UNSTABLE_GIVEN_POOR, 0, 2),
        np.where(u < MARGINAL_GIVEN_OTHER, 1, 2),
    )
    past = np.where(h.assisted, np.where(h.formerly_poor, 0, 1), past)  # they were under the line
    now = np.where(low, np.where(h.formerly_poor, 0, 1), 2)
    return np.where(open_, now, past)


def _days(rng: np.random.Generator, lo: dt.date, hi: dt.date, n: int) -> np.ndarray:
    start = np.datetime64(lo, "D").astype(np.int64)
    end = max(np.datetime64(hi, "D").astype(np.int64), start + 1)
    return rng.integers(start, end, n)


def _dates(days: np.ndarray, chosen: np.ndarray) -> pa.Array:
    return pa.array(days.astype("datetime64[D]"), pa.date32(), mask=~chosen)


def monitoring_columns(
    rng: np.random.Generator, h: HouseholdRisk, year: int, line: float
) -> dict[str, pa.Array]:
    """The four monitoring columns of the households table (contract.md)."""
    n = len(h.pc)
    risky = at_risk(h, line)
    open_ = risky & (rng.random(n) < IDENTIFIED_SHARE)
    flags = risk_flags(h)
    candidates = ~risky & (h.pc < 2.5 * line) & (h.pc >= line)
    weight = candidates * (
        1.0 + POOR_WEIGHT * h.formerly_poor + flags[:, :4].sum(axis=1) + (h.drop_cause > 0)
    )
    wanted = min(round(ELIMINATED_SHARE * n), int(candidates.sum()))
    keys = np.where(weight > 0, rng.random(n) ** (1.0 / np.maximum(weight, 1e-9)), -1.0)
    keys = np.where(h.assisted & candidates, 2.0, keys)  # the lifted ones first
    eliminated = np.zeros(n, dtype=bool)
    eliminated[np.argsort(-keys, kind="stable")[:wanted]] = True
    eliminated &= candidates
    monitored = open_ | eliminated
    cats = _categories(rng, h, open_, line)
    labels = pa.array([Category.unstable.value, Category.marginal.value, Category.sudden.value])
    category = pc.if_else(pa.array(monitored), labels.take(pa.array(cats)), None)
    mid_year = min(dt.date(year, 6, 30), dt.date.today())
    recent = dt.date(year - 1, 7, 1)
    earlier = _days(rng, FIRST_MONITORED, dt.date(year - 1, 6, 30), n)
    since = np.where(open_, _days(rng, recent, mid_year, n), earlier)
    ended = np.minimum(
        earlier + rng.integers(183, 731, n), np.datetime64(mid_year, "D").astype(np.int64)
    )
    return {
        "monitoring_category": category,
        "monitoring_risks": risk_lists(flags, monitored),
        "monitored_on": _dates(since, monitored),
        "risk_eliminated_on": _dates(ended, eliminated),
    }
