"""Ground truth of a panel (真实结果): which households really fell below the income line.

For each household the true net income of the 12 months from the panel start is its income of
year Y spread over the months, less what the panel's shocks took (wages lost to job loss, death
or disabling injury, crops lost to disasters) plus new 低保 and less stopped 低保, minus the
compliant rigid spending the panel's settlements and school fees show. ``fell_below_line`` is
that amount per person below ``line``; ``first_period_below`` is the first panel month whose
trailing 12 months are below it. Screening never reads this; it evaluates rules and models.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bottomline.registry.columns import INCOME_COLUMNS
from bottomline.synth import medical
from bottomline.synth import members as mm
from bottomline.synth.panel import Panel
from bottomline.synth.population import Population

WINDOW = 12
CAUSES = ("none", "illness", "job_loss", "accident", "disaster", "education", "low_income")
DISASTER_INCOME_SHARE = 0.6  # share of a disaster's direct loss that is lost income (crops, stock)
MINOR_SHARE = 0.05  # a shock smaller than this share of yearly income does not name the cause

TRUTH = pa.schema(
    [
        pa.field("household_id", pa.int64(), nullable=False),
        pa.field("fell_below_line", pa.bool_(), nullable=False),
        pa.field("first_period_below", pa.string()),
        pa.field("true_pc_income", pa.float64(), nullable=False),
        pa.field("main_cause", pa.string(), nullable=False),
    ]
)


def _year_y(pop: Population) -> dict[str, np.ndarray]:
    incomes = pop.tables["incomes"]
    rows = incomes.filter(pc.equal(incomes["year"], pop.year)).sort_by("household_id")
    return {name: rows[name].to_numpy() for name in rows.column_names}


class Ledger:
    """Monthly changes to each household's income (yuan), and losses by cause."""

    def __init__(self, households: int, months: int) -> None:
        self.months = months
        self.once = np.zeros((households, months))  # one-off amounts in a month
        self.step = np.zeros((households, months + 1))  # monthly changes from a month on
        self.by_cause = np.zeros((households, len(CAUSES)))

    def one_off(
        self, household: np.ndarray, month: np.ndarray, amount: np.ndarray, cause: int
    ) -> None:
        keep = month < self.months
        np.add.at(self.once, (household[keep], month[keep]), amount[keep])
        if cause:
            np.add.at(self.by_cause[:, cause], household[keep], -amount[keep])

    def from_month(
        self, household: np.ndarray, month: np.ndarray, amount: np.ndarray, cause: int
    ) -> None:
        """``amount`` a month from ``month`` to the end of the window."""
        month = np.minimum(month, self.months)
        np.add.at(self.step, (household, month), amount)
        if cause:
            np.add.at(self.by_cause[:, cause], household, -amount * (self.months - month))

    def monthly(self) -> np.ndarray:
        """The monthly changes (consumes the ledger's arrays to keep memory low)."""
        np.cumsum(self.step, axis=1, out=self.step)
        self.once += self.step[:, : self.months]
        return self.once

    def span(
        self,
        household: np.ndarray,
        start: np.ndarray,
        length: np.ndarray,
        amount: np.ndarray,
        cause: int,
    ) -> None:
        """``amount`` a month for ``length`` months from ``start``."""
        begin = np.minimum(start, self.months)
        end = np.minimum(start + length, self.months)
        np.add.at(self.step, (household, begin), amount)
        np.add.at(self.step, (household, end), -amount)
        np.add.at(self.by_cause[:, cause], household, -amount * (end - begin))

    def month_total(self, month: int, per_household: np.ndarray, cause: int) -> None:
        self.once[:, month] += per_household
        self.by_cause[:, cause] -= per_household


def _member_wage_share(panel: Panel, wage: np.ndarray) -> np.ndarray:
    """Monthly wage of each person: the household's wage split by months of migrant work."""
    people = panel.people
    months = people.migrant_months.astype(np.float64)
    total = np.bincount(people.household, weights=months, minlength=len(people.size))
    share = np.where(
        total[people.household] > 0, months / np.maximum(total[people.household], 1), 0.0
    )
    return wage[people.household] / 12 * share


def _worker_share(panel: Panel, earned: np.ndarray) -> np.ndarray:
    """Monthly earnings of each working person: wages and farming split over the workers."""
    people = panel.people
    works = np.isin(people.labour, (mm.SKILLED, mm.ABLE, mm.WEAK)).astype(np.float64)
    workers = np.bincount(people.household, weights=works, minlength=len(people.size))
    return earned[people.household] / 12 * works / np.maximum(workers[people.household], 1)


def _shocks(ledger: Ledger, panel: Panel, year_y: dict[str, np.ndarray]) -> None:
    people, events = panel.people, panel.events
    hh = people.household
    jobs = events["jobs"]
    lost = jobs["event"] < 2
    wage = _member_wage_share(panel, year_y["wage"])
    person = jobs["person"][lost]
    ledger.span(
        hh[person],
        jobs["month"][lost].astype(np.int64),
        jobs["months_lost"][lost],
        -wage[person],
        CAUSES.index("job_loss"),
    )
    earner = _worker_share(panel, year_y["wage"] + year_y["business"] - year_y["production_costs"])
    for name, serious in (("deaths", None), ("injuries", 1)):
        rows = events[name]
        keep = np.ones(len(rows["person"]), bool) if serious is None else rows["event"] == serious
        person = rows["person"][keep]
        ledger.from_month(
            hh[person],
            rows["month"][keep].astype(np.int64),
            -earner[person],
            CAUSES.index("accident"),
        )
    disaster = events["disasters"]
    loss = disaster["loss"] / 100 * DISASTER_INCOME_SHARE
    ledger.one_off(
        disaster["household"], disaster["month"].astype(np.int64), -loss, CAUSES.index("disaster")
    )


def _spending(ledger: Ledger, panel: Panel) -> None:
    people, events = panel.people, panel.events
    stays = events["inpatient"]
    ledger.one_off(
        people.household[stays["person"]],
        stays["month"].astype(np.int64),
        -stays["self_pay"] / 100,
        CAUSES.index("illness"),
    )
    school = events["school"]
    ledger.one_off(
        people.household[school["person"]],
        school["month"].astype(np.int64),
        -school["self_pay"] / 100,
        CAUSES.index("education"),
    )
    n = len(people.size)
    for month in range(min(panel.months, WINDOW)):
        paid = np.zeros(n)
        for start in medical.chunks(panel):
            visits = medical.outpatient_visits(panel, month, start)
            paid += np.bincount(
                people.household[visits["person"]], weights=visits["self_pay"] / 100, minlength=n
            )
        ledger.month_total(month, -paid, 0)


def _assistance(ledger: Ledger, panel: Panel) -> None:
    """New 低保 grants add to income and stopped ones take away, from their month on."""
    roll, people = panel.roll, panel.people
    n = len(people.size)
    on_dibao = np.bincount(people.household, weights=people.dibao * roll.dibao_amount, minlength=n)
    everyone = np.bincount(people.household, weights=roll.dibao_amount, minlength=n)
    added = np.flatnonzero(roll.new_month < panel.months)
    ledger.from_month(added, roll.new_month[added].astype(np.int64), everyone[added], 0)
    stopped = np.flatnonzero(roll.stop_month < panel.months)
    ledger.from_month(stopped, roll.stop_month[stopped].astype(np.int64), -on_dibao[stopped], 0)


def _net(year_y: dict[str, np.ndarray]) -> np.ndarray:
    return (
        sum((year_y[c] for c in INCOME_COLUMNS), np.zeros(len(year_y["wage"])))
        - year_y["production_costs"]
    )


def household_truth(panel: Panel, pop: Population, line: float) -> pa.Table:
    """One row per household: the true 12-month per-capita income after rigid spending."""
    year_y = _year_y(pop)
    size = panel.people.size.astype(np.float64)
    ledger = Ledger(len(size), WINDOW)
    _shocks(ledger, panel, year_y)
    _spending(ledger, panel)
    _assistance(ledger, panel)
    base = _net(year_y) / 12
    rigid = (year_y["medical_oop"] + year_y["education_oop"]) / 12
    window = ledger.monthly()
    window += base[:, None]
    window[:, panel.months :] -= rigid[:, None]  # months after the panel: the usual spending
    np.cumsum(window, axis=1, out=window)
    below = np.empty(window.shape, dtype=bool)
    for month in range(WINDOW):  # trailing 12 months: earlier months are the year-Y average
        window[:, month] += (base - rigid) * (WINDOW - 1 - month)
        below[:, month] = window[:, month] < line * size
    true_pc = window[:, -1] / size
    return _truth_table(panel, below, true_pc, line, ledger, base * 12)


def _truth_table(
    panel: Panel,
    below: np.ndarray,
    true_pc: np.ndarray,
    line: float,
    ledger: Ledger,
    yearly: np.ndarray,
) -> pa.Table:
    n = len(true_pc)
    shown = min(panel.months, WINDOW)
    first = np.argmax(below[:, :shown], axis=1)
    any_below = below[:, :shown].any(axis=1)
    periods = pa.array(panel.periods[:shown], pa.string()).take(pa.array(first))
    fell = true_pc < line
    return pa.table(
        {
            "household_id": np.arange(1, n + 1, dtype=np.int64),
            "fell_below_line": fell,
            "first_period_below": pc.if_else(
                pa.array(any_below), periods, pa.scalar(None, pa.string())
            ),
            "true_pc_income": np.round(true_pc, 2),
            "main_cause": _causes(ledger, fell, yearly),
        },
        schema=TRUTH,
    )


def _causes(ledger: Ledger, fell: np.ndarray, yearly: np.ndarray) -> pa.Array:
    losses = ledger.by_cause.copy()
    losses[:, 0] = 0.0
    biggest = np.argmax(losses, axis=1)
    size = losses[np.arange(len(biggest)), biggest]
    minor = size < MINOR_SHARE * np.maximum(yearly, 1.0)
    cause = np.where(minor, np.where(fell, CAUSES.index("low_income"), 0), biggest)
    return pa.array(np.asarray(CAUSES)[cause], pa.string())


def write_truth(panel: Panel, pop: Population, path: Path, *, line: float) -> Path:
    """Write the ground truth Parquet (household_id, fell_below_line, first_period_below,
    true_pc_income, main_cause) for an income ``line`` in yuan per person and year."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(household_truth(panel, pop, line), path)
    return path
