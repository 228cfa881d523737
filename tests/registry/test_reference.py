"""Which income counts for a cycle (registry.reference): the dates and the choice, exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bottomline.registry.reference import (
    FOLLOWUP,
    Annual,
    FollowUp,
    annual_effective,
    choose,
    cycle_of,
    previous_annual,
    window,
)

D = dt.date


@pytest.mark.parametrize(
    ("cycle", "start", "end", "month_end"),
    [
        ("2025-10", D(2024, 10, 1), D(2025, 9, 30), D(2025, 10, 31)),
        ("2025-01", D(2024, 1, 1), D(2024, 12, 31), D(2025, 1, 31)),
        ("2024-03", D(2023, 3, 1), D(2024, 2, 29), D(2024, 3, 31)),  # leap February
        ("2025-12", D(2024, 12, 1), D(2025, 11, 30), D(2025, 12, 31)),
    ],
)
def test_reference_period(cycle: str, start: dt.date, end: dt.date, month_end: dt.date) -> None:
    win = window(cycle)
    assert (win.ref_start, win.ref_end, win.cycle_end) == (start, end, month_end)


def test_valid_years_overlap_the_period_or_the_month() -> None:
    assert [y for y in range(2022, 2028) if window("2025-10").annual_valid(y)] == [2024, 2025]
    assert [y for y in range(2022, 2028) if window("2025-01").annual_valid(y)] == [2024, 2025]
    assert [y for y in range(2022, 2028) if window("2025-12").annual_valid(y)] == [2024, 2025]


def test_follow_up_validity_edges() -> None:
    win = window("2025-10")
    assert not win.followup_valid(D(2024, 9, 30))
    assert win.followup_valid(D(2024, 10, 1))
    assert win.followup_valid(D(2025, 10, 31))
    assert not win.followup_valid(D(2025, 11, 1))


def test_effective_date_is_the_earlier_of_year_end_and_collection() -> None:
    assert annual_effective(2025, D(2025, 6, 30)) == D(2025, 6, 30)
    assert annual_effective(2024, D(2025, 3, 1)) == D(2024, 12, 31)


def _a(year: int, as_of: dt.date, pc: str, source: str = "collection") -> Annual:
    return Annual(year, as_of, source, Decimal(pc))


def test_the_latest_effective_record_wins_and_ties_go_to_the_annual_one() -> None:
    annual = [_a(2025, D(2025, 8, 15), "5000"), _a(2024, D(2024, 12, 31), "9000")]
    later = choose("2025-10", annual, [FollowUp(D(2025, 9, 1), Decimal("7000"))])
    assert later is not None
    assert (later.source, later.year, later.effective) == (FOLLOWUP, None, D(2025, 9, 1))
    tie = choose("2025-10", annual, [FollowUp(D(2025, 8, 15), Decimal("7000"))])
    assert tie is not None
    assert (tie.source, tie.year, tie.per_capita) == ("collection", 2025, Decimal("5000"))
    assert tie.describe() == ("2025年收入采集", "2025 collection")


def test_same_day_follow_ups_take_the_lower_figure() -> None:
    fus = [FollowUp(D(2025, 9, 1), Decimal("7000")), FollowUp(D(2025, 9, 1), Decimal("6000"))]
    chosen = choose("2025-10", [], fus)
    assert chosen is not None
    assert chosen.per_capita == Decimal("6000")


def test_nothing_valid_is_no_income() -> None:
    assert (
        choose("2025-10", [_a(2023, D(2023, 12, 31), "1")], [FollowUp(D(2025, 11, 1), Decimal(1))])
        is None
    )


def test_previous_is_the_annual_record_before_the_chosen_one() -> None:
    annual = [
        _a(2025, D(2025, 6, 30), "5000"),
        _a(2024, D(2024, 12, 31), "9000"),
        _a(2023, D(2023, 12, 31), "1"),
    ]
    chosen = choose("2025-10", annual, [])
    assert chosen is not None
    prev = previous_annual(chosen, annual)
    assert prev is not None
    assert prev.year == 2024
    followup = choose("2025-10", annual, [FollowUp(D(2025, 8, 1), Decimal("100"))])
    assert followup is not None
    prev = previous_annual(followup, annual)
    assert prev is not None
    assert prev.year == 2025  # the annual record effective before the follow-up


def test_cycle_of_a_day() -> None:
    assert cycle_of(D(2026, 3, 31)) == "2026-03"


@given(
    st.lists(
        st.tuples(st.integers(2022, 2027), st.dates(D(2022, 1, 1), D(2027, 12, 31))),
        max_size=4,
        unique_by=lambda t: t[0],
    ),
    st.lists(st.dates(D(2023, 1, 1), D(2026, 12, 31)), max_size=4),
)
def test_the_choice_is_valid_and_no_valid_record_is_later(
    annual: list[tuple[int, dt.date]], followups: list[dt.date]
) -> None:
    records = [_a(year, as_of, "1") for year, as_of in annual]
    fus = [FollowUp(day, Decimal(2)) for day in followups]
    win = window("2025-10")
    chosen = choose("2025-10", records, fus)
    valid_dates = [r.effective for r in records if win.annual_valid(r.year)]
    valid_dates += [f.on for f in fus if win.followup_valid(f.on)]
    if not valid_dates:
        assert chosen is None
        return
    assert chosen is not None
    assert chosen.effective == max(valid_dates)
