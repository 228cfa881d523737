"""Monitoring already recorded in the national system (监测对象): who a county monitors today,
who it monitored and saw the risk eliminated (风险消除), with category, risk types and dates.

A real county screened for the first time is not a blank slate: the yearly 集中排查 identified
its monitoring objects by the rules the screening applies (2024 wording, policy-notes §1, S5), so
a household whose registry data meet a rule is nearly always monitored already, for the risk
types the rules name; earlier monitored households whose risk was eliminated meet the exit
conditions on the registry's data. The stock is drawn from each household's own incomes and
members, so a monitored household's category and risk types agree with its data (docs/synth.md,
"Monitoring in the registry").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bottomline.registry.enums import MAX_RISK_TYPES, Category, RiskType

# [B] shares, derived in docs/synth.md from S60 (national) and the Baoshan 2021 report.
LIFTED_SHARE = 0.85  # households under the line in both years whose assistance lifted them above it
# Their per-capita income afterwards, as multiples of the line: stably above it, as the exit
# conditions ask (S5, S15), not just over it.
LIFT_RANGE = (1.3, 1.9)
# Households the rules raise on their registry data that the 集中排查 identified: the rest (10 %)
# is the slippage the first screening finds [B] (docs/synth.md, "Monitoring in the registry").
IDENTIFIED_SHARE = 0.9
ELIMINATED_SHARE = 0.035  # households whose earlier risk was eliminated, of all households
POOR_WEIGHT = 6.0  # extra weight of formerly poor households among the eliminated (42 % target)
UNSTABLE_GIVEN_POOR = 0.63  # 26.4 % / 42 %: formerly poor monitored households that are unstable
MARGINAL_GIVEN_OTHER = 0.62  # 36.1 % / 58 %: other monitored households that are marginal
FIRST_MONITORED = dt.date(2021, 1, 1)  # the mechanism's start (S5: 2021 guidance)
# The national defaults of the sharp-fall trigger (policies/000000000000-2024-national.toml,
# triggers.income_drop): generation data mirroring the policy, as MONITORING_LINE does the line.
DROP_SHARE = 0.3
DROP_WATCH_MULTIPLE = 1.5
# Ordinary outpatient self-pay a person leaves in the medical feed over a quarter (about 0.9
# settlements a month of about 60 yuan self-pay, synth.medical): the feed shows medical spending
# for nearly every household, and the screening's cause then reads illness when it exceeds the
# schooling costs (docs/synth.md, "Monitoring in the registry").
FEED_OUTPATIENT_QUARTER = 150.0

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
    RiskType.other,
)
_COL = {r: i for i, r in enumerate(RISK_ORDER)}


@dataclass(slots=True)
class HouseholdRisk:
    """Per-household facts the stock is drawn from (year Y)."""

    formerly_poor: np.ndarray
    size: np.ndarray  # members
    pc: np.ndarray  # per-capita net income
    prev_pc: np.ndarray  # per-capita net income of year Y-1
    pc_after_rigid: np.ndarray
    medical_oop: np.ndarray  # compliant medical costs of year Y (household)
    education_oop: np.ndarray  # compliant schooling costs of year Y (household)
    any_ill: np.ndarray
    any_disabled: np.ndarray
    no_labour: np.ndarray
    dropouts: np.ndarray  # a child of compulsory-school age has dropped out
    migrant: np.ndarray  # a member who can work has months away (the screening's n_migrant)
    business_loss: np.ndarray  # production and business income below zero
    drop_cause: np.ndarray  # synth.incomes.CAUSES index of a sharp fall in Y (0 none)
    has_wage: np.ndarray
    housing_unsafe: np.ndarray
    water_unsafe: np.ndarray
    food_insecure: np.ndarray
    assisted: np.ndarray  # lifted above the line by assistance (lift_by_assistance)

    @property
    def has_rigid(self) -> np.ndarray:
        return (self.medical_oop + self.education_oop) > 0

    @property
    def medical_costs(self) -> np.ndarray:
        """Compliant medical costs above zero and at least the schooling costs."""
        return (self.medical_oop > 0) & (self.medical_oop >= self.education_oop)

    @property
    def schooling_costs(self) -> np.ndarray:
        return self.education_oop > self.medical_oop


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


def rule_hits(h: HouseholdRisk, line: float) -> dict[str, np.ndarray]:
    """The household rules of the screening (screening/rules.py) on the registry's own data of
    year Y, with the national defaults: which households each rule would raise."""
    has_income = np.isfinite(h.pc)
    return {
        "income.within_range": has_income & (h.pc < line),
        "expenditure.rigid": has_income & h.has_rigid & (h.pc_after_rigid < line),
        "income.sharp_drop": has_income
        & (h.prev_pc > 0)
        & ((h.prev_pc - h.pc) >= DROP_SHARE * h.prev_pc)
        & (h.pc < DROP_WATCH_MULTIPLE * line),
        "guarantee.food_clothing": h.food_insecure,
        "guarantee.housing": h.housing_unsafe,
        "guarantee.compulsory_dropout": h.dropouts,
        "guarantee.water": h.water_unsafe,
    }


def at_risk(h: HouseholdRisk, line: float) -> np.ndarray:
    """Households the screening rules would raise on their registry data alone (2024 wording of
    rigid expenditure: income after compliant out-of-pocket costs, per person, under the line)."""
    return np.logical_or.reduce(list(rule_hits(h, line).values()))


def screening_cause(h: HouseholdRisk, medical: np.ndarray | None = None) -> np.ndarray:
    """The risk type the screening names for a low or falling income (screening/views.py
    ``_cause``), as an index into RISK_ORDER; ``medical`` is the medical spending it sees
    (the registry's compliant costs when not given)."""
    medical = h.medical_oop if medical is None else medical
    order = [
        (h.any_ill | (medical > h.education_oop), RiskType.illness),
        (h.any_disabled, RiskType.disability),
        ((h.education_oop > 0) | h.dropouts, RiskType.schooling),
        (h.no_labour, RiskType.lack_of_labour),
        (h.housing_unsafe, RiskType.housing),
        (h.water_unsafe, RiskType.drinking_water),
        (h.business_loss, RiskType.industry_failure),
        (h.migrant, RiskType.unstable_employment),
    ]
    return np.select([c for c, _r in order], [_COL[r] for _c, r in order], _COL[RiskType.other])


def rule_risks(h: HouseholdRisk, line: float) -> np.ndarray:
    """An ``(n, len(RISK_ORDER))`` boolean matrix of the risk types the screening rules would
    name for each household on its registry data: what the 集中排查 recorded it for, so that a
    monitored household is not raised again for the same facts under another name."""
    hits = rule_hits(h, line)
    n = len(h.pc)
    out = np.zeros((n, len(RISK_ORDER)), dtype=bool)
    rows = np.arange(n)
    by_cause = hits["income.within_range"] | hits["income.sharp_drop"]
    by_cause |= hits["guarantee.food_clothing"]
    # The cause on the registry's data, and as the screening sees it once the medical feed
    # shows the household's ordinary outpatient spending: both are the same facts.
    seen = np.maximum(h.medical_oop, FEED_OUTPATIENT_QUARTER * h.size)
    for cause in (screening_cause(h), screening_cause(h, seen)):
        out[rows[by_cause], cause[by_cause]] = True
    rigid = hits["expenditure.rigid"]
    rigid_risk = np.where(
        h.medical_oop >= h.education_oop, _COL[RiskType.illness], _COL[RiskType.schooling]
    )
    out[rows[rigid], rigid_risk[rigid]] = True
    out[:, _COL[RiskType.housing]] |= hits["guarantee.housing"]
    out[:, _COL[RiskType.schooling]] |= hits["guarantee.compulsory_dropout"]
    out[:, _COL[RiskType.drinking_water]] |= hits["guarantee.water"]
    return out


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
            np.zeros(len(h.pc), dtype=bool),
        ]
    )
    none = ~flags.any(axis=1)  # low income without a named cause: work or the farm
    flags[:, RISK_ORDER.index(RiskType.unstable_employment)] |= none & h.has_wage
    flags[:, RISK_ORDER.index(RiskType.industry_failure)] |= none & ~h.has_wage
    return flags


def risk_lists(flags: np.ndarray, chosen: np.ndarray, first: np.ndarray | None = None) -> pa.Array:
    """The first MAX_RISK_TYPES flagged risk types of chosen households, empty lists elsewhere;
    the types ``first`` flags (the rules' own, ``rule_risks``) come before the others."""
    first = np.zeros_like(flags) if first is None else first
    flagged = (flags | first) & chosen[:, None]
    # Rank of a column: the rules' types first, each group in RISK_ORDER; unflagged ones last.
    width = flags.shape[1]
    rank = np.where(first, 0, width) + np.arange(width) + np.where(flagged, 0, 2 * width)
    order = np.argsort(rank, axis=1, kind="stable")
    kept = np.take_along_axis(flagged, order, axis=1)
    kept &= np.cumsum(kept, axis=1) <= MAX_RISK_TYPES
    rows, pos = np.nonzero(kept)
    cols = order[rows, pos]
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
    named = rule_risks(h, line)
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
        "monitoring_risks": risk_lists(flags, monitored, named & open_[:, None]),
        "monitored_on": _dates(since, monitored),
        "risk_eliminated_on": _dates(ended, eliminated),
    }
