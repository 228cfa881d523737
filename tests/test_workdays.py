"""Counting days: calendar, and working days over official holidays and make-up workdays."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bottomline.workdays import (
    DayCount,
    add_days,
    calendar_known,
    days_between,
    is_workday,
    provisional,
)

D = dt.date


def test_calendar_days_count_every_day() -> None:
    assert add_days(D(2026, 9, 28), 15, "calendar") == D(2026, 10, 13)
    assert days_between(D(2026, 9, 28), D(2026, 10, 13), DayCount.calendar) == 15


def test_national_day_week_is_skipped_and_make_up_saturday_counts() -> None:
    # 2026: 1-7 October off (国庆节 + 中秋节); Sunday 27 Sep... make-up workdays per the
    # State Council's notice as carried by chinese-calendar.
    assert not is_workday(D(2026, 10, 1))
    assert not is_workday(D(2026, 10, 7))
    make_up = [d for d in (D(2026, 9, 20), D(2026, 10, 10)) if d.weekday() >= 5 and is_workday(d)]
    assert make_up, "expected a weekend make-up workday around National Day 2026"


def test_working_days_jump_over_the_golden_week() -> None:
    # From Wednesday 30 Sep 2026, the 1st working day is Thursday 8 Oct (1-7 Oct off).
    assert add_days(D(2026, 9, 30), 1, "working") == D(2026, 10, 8)
    assert days_between(D(2026, 9, 30), D(2026, 10, 8), "working") == 1


def test_a_make_up_saturday_is_a_working_day() -> None:
    saturday = D(2026, 10, 10)  # 调休上班 after National Day 2026
    assert saturday.weekday() == 5
    assert is_workday(saturday)
    friday = D(2026, 10, 9)
    assert add_days(friday, 1, "working") == saturday


def test_spring_festival_2026() -> None:
    # 春节 2026: 15-23 Feb off; Saturday 14 Feb and Saturday 28 Feb are make-up workdays.
    assert all(not is_workday(D(2026, 2, d)) for d in range(15, 24))
    assert is_workday(D(2026, 2, 14))
    assert is_workday(D(2026, 2, 28))
    assert add_days(D(2026, 2, 13), 2, "working") == D(2026, 2, 24)


def test_unknown_years_fall_back_to_weekdays_and_say_so() -> None:
    far = D(2099, 10, 1)  # a Thursday, no calendar published
    assert not calendar_known(far)
    assert is_workday(far)
    assert not is_workday(D(2099, 10, 3))  # Saturday
    assert provisional(D(2026, 12, 20), D(2027, 1, 10), "working") is not calendar_known(
        D(2027, 1, 10)
    )
    assert not provisional(D(2099, 1, 1), D(2099, 2, 1), "calendar")


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_days(D(2026, 1, 1), -1, "calendar")


@given(
    start=st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 11, 30)),
    n=st.integers(min_value=0, max_value=40),
    counting=st.sampled_from(list(DayCount)),
)
def test_days_between_inverts_add_days(start: dt.date, n: int, counting: DayCount) -> None:
    end = add_days(start, n, counting)
    assert days_between(start, end, counting) == n
    assert days_between(end, start, counting) == -n
    if counting is DayCount.working and n > 0:
        assert is_workday(end)
