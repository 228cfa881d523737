"""Which income counts for a screening cycle: the reference period, validity, effective dates.

The rule (shared contract; policy-notes §2 "count back one year from the month before"):

- cycle month M (``YYYY-MM``); its **reference period** runs from the first day of M−12 to the
  last day of M−1;
- an annual record of year Y is **valid** if year Y overlaps the reference period or month M;
  its **effective date** is ``min(Y-12-31, as_of)``;
- an income follow-up is valid if ``ref_start ≤ followed_on ≤ end of M``; its effective date is
  ``followed_on``;
- the household's income for the cycle is the valid record with the latest effective date;
  on a tie the annual record wins (then the later year, then the lower follow-up figure).

This module is pure: the screening views (Ibis, over the snapshot) take the bounds from
:func:`window`, and the exit rules (Python, over the store) choose with :func:`choose`. Both
follow the same definitions, and ``tests/registry/test_reference.py`` pins them.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

FOLLOWUP: Literal["followup"] = "followup"  # the source of an income taken from a follow-up


def month_start(cycle: str) -> dt.date:
    """The first day of cycle month ``YYYY-MM``."""
    return dt.date(int(cycle[:4]), int(cycle[5:7]), 1)


def _shift(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(first: dt.date) -> dt.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


@dataclass(frozen=True, slots=True)
class Window:
    """The dates that decide which income records count for one cycle."""

    cycle: str
    ref_start: dt.date  # first day of M-12
    ref_end: dt.date  # last day of M-1
    cycle_end: dt.date  # last day of M

    @property
    def first_year(self) -> int:
        """The earliest year whose annual record is valid (it overlaps the reference period)."""
        return self.ref_start.year

    @property
    def last_year(self) -> int:
        """The latest year whose annual record is valid (it overlaps month M)."""
        return self.cycle_end.year

    def annual_valid(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year

    def followup_valid(self, on: dt.date) -> bool:
        return self.ref_start <= on <= self.cycle_end


def window(cycle: str) -> Window:
    """The reference period of cycle ``YYYY-MM`` and the end of its month."""
    first = month_start(cycle)
    return Window(
        cycle=cycle,
        ref_start=_shift(first, -12),
        ref_end=first - dt.timedelta(days=1),
        cycle_end=_month_end(first),
    )


def cycle_of(day: dt.date) -> str:
    """The cycle month a day falls in (the exit rules judge as of a day)."""
    return f"{day.year:04d}-{day.month:02d}"


def annual_effective(year: int, as_of: dt.date) -> dt.date:
    """An annual record's effective date: the end of its year, or the day it was collected if
    that is earlier (figures collected in June speak for the months before June)."""
    return min(dt.date(year, 12, 31), as_of)


@dataclass(frozen=True, slots=True)
class Annual:
    """One annual income record as the choice needs it."""

    year: int
    as_of: dt.date
    source: str  # registry.enums.IncomeSource value
    per_capita: Decimal

    @property
    def effective(self) -> dt.date:
        return annual_effective(self.year, self.as_of)


@dataclass(frozen=True, slots=True)
class FollowUp:
    on: dt.date
    per_capita: Decimal


@dataclass(frozen=True, slots=True)
class Chosen:
    """The income that counts for the cycle and where it came from."""

    per_capita: Decimal
    source: str  # IncomeSource value of the annual record, or "followup"
    year: int | None  # the annual record's year; None for a follow-up
    effective: dt.date  # the annual record's effective date, or the follow-up's day

    def describe(self) -> tuple[str, str]:
        """Where the figure came from, in Chinese and English."""
        if self.year is None:
            return (f"{self.effective.isoformat()}收入跟踪", f"follow-up of {self.effective}")
        return (
            f"{self.year}年{_SOURCE_ZH.get(self.source, self.source)}",
            f"{self.year} {_SOURCE_EN.get(self.source, self.source)}",
        )


_SOURCE_ZH = {
    "export": "国家系统导出",
    "collection": "收入采集",
    "edit": "本地修改",
    "load": "载入",
}
_SOURCE_EN = {"export": "export", "collection": "collection", "edit": "local edit", "load": "load"}


def _annual_key(record: Annual) -> tuple[dt.date, int, int]:
    return (record.effective, 1, record.year)


def choose(cycle: str, annual: Iterable[Annual], followups: Iterable[FollowUp]) -> Chosen | None:
    """The valid record with the latest effective date (ties: the annual record), or None."""
    win = window(cycle)
    best: tuple[tuple[dt.date, int, int, Decimal], Chosen] | None = None
    for rec in annual:
        if win.annual_valid(rec.year):
            key = (*_annual_key(rec), -rec.per_capita)
            best = _better(best, key, Chosen(rec.per_capita, rec.source, rec.year, rec.effective))
    for fu in followups:
        if win.followup_valid(fu.on):
            key = (fu.on, 0, 0, -fu.per_capita)
            best = _better(best, key, Chosen(fu.per_capita, FOLLOWUP, None, fu.on))
    return best[1] if best else None


def _better(
    best: tuple[tuple[dt.date, int, int, Decimal], Chosen] | None,
    key: tuple[dt.date, int, int, Decimal],
    candidate: Chosen,
) -> tuple[tuple[dt.date, int, int, Decimal], Chosen]:
    return (key, candidate) if best is None or key > best[0] else best


def previous_annual(chosen: Chosen, annual: Iterable[Annual]) -> Annual | None:
    """The annual record before the chosen income (for the sharp-drop rule): the latest annual
    record, valid or not, effective before it — for an annual choice of year Y, not year Y."""
    earlier = [
        rec for rec in annual if rec.effective < chosen.effective and rec.year != chosen.year
    ]
    return max(earlier, key=_annual_key, default=None)
