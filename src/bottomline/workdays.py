"""Counting days as a policy says: calendar days, or working days under China's official calendar.

Working days follow the State Council's holiday arrangements as published by the
``chinese-calendar`` package: public holidays are days off and make-up workdays (调休上班, often
a Saturday or Sunday) are working days. The package knows the years whose arrangement has been
announced; for a later year (the arrangement for year Y is announced in November or December of
Y-1) we fall back to Monday–Friday and say so (:func:`calendar_known`), so a due date computed
before the announcement can be flagged as provisional rather than silently wrong.

Counting convention (the one notices and deadlines use): the day something starts is day 0; a
period of ``n`` days starting on ``start`` ends on ``add_days(start, n)``. For working days the
end is the ``n``-th working day after ``start``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar

ONE_DAY = dt.timedelta(days=1)
CHINA = ZoneInfo("Asia/Shanghai")  # days of the mechanism are days in China


class DayCount(StrEnum):
    """How a policy counts days (policy key ``procedure.day_count``)."""

    calendar = "calendar"
    working = "working"


def today_in_china() -> dt.date:
    return dt.datetime.now(CHINA).date()


def day_in_china(moment: dt.datetime) -> dt.date:
    """The day in China of an aware moment (a record's UTC timestamp)."""
    return moment.astimezone(CHINA).date()


def calendar_known(day: dt.date) -> bool:
    """Whether the official holiday arrangement of ``day``'s year is known to this install."""
    return _known_year(day.year)


@cache
def _known_year(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_workday(day: dt.date) -> bool:
    """A working day: official calendar where known, else Monday to Friday."""
    if _known_year(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def add_days(start: dt.date, days: int, counting: DayCount | str) -> dt.date:
    """The day ``days`` days (calendar or working) after ``start``; ``days`` may be 0."""
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    if DayCount(counting) is DayCount.calendar:
        return start + dt.timedelta(days=days)
    day = start
    for _ in range(days):
        day += ONE_DAY
        while not is_workday(day):
            day += ONE_DAY
    return day


def days_between(start: dt.date, end: dt.date, counting: DayCount | str) -> int:
    """How many days (calendar or working) have passed from ``start`` to ``end``.

    The inverse of :func:`add_days` on working days: ``days_between(s, add_days(s, n)) == n``.
    Negative when ``end`` is before ``start``.
    """
    if end < start:
        return -days_between(end, start, counting)
    if DayCount(counting) is DayCount.calendar:
        return (end - start).days
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        count += is_workday(day)
    return count


def provisional(start: dt.date, end: dt.date, counting: DayCount | str) -> bool:
    """Whether a working-day count from ``start`` to ``end`` rests on an unannounced calendar."""
    if DayCount(counting) is DayCount.calendar:
        return False
    return not (calendar_known(start) and calendar_known(end))
