"""Exit rules (风险消除条件): every condition at its edges, the record, versions, a property."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bottomline.cases.exit_rules import (
    CURRENT_VERSION,
    EXIT_RULES,
    ExitFacts,
    IncomeObservation,
    add_months,
    evaluate,
    whole_months,
)
from bottomline.errors import UserError

DOCS = Path(__file__).resolve().parents[2] / "docs"
LINE = Decimal("7500")
AS_OF = date(2026, 7, 31)


def obs(on: date, pc: str | Decimal) -> IncomeObservation:
    return IncomeObservation(on, Decimal(pc))


def facts(**changes: Any) -> ExitFacts:
    """A household that meets every condition on 2026-07-31 unless told otherwise."""
    base = ExitFacts(
        as_of=AS_OF,
        method="assisted",
        income_line=LINE,
        min_monitored_months=6,
        income_stable_months=6,
        monitored_since=date(2026, 1, 31),
        income_followups=(
            obs(date(2026, 1, 31), "8000"),
            obs(date(2026, 4, 15), "8200"),
            obs(date(2026, 7, 1), "8100"),
        ),
        net_income=Decimal("30000"),
        medical_oop=Decimal("2000"),
        education_oop=Decimal("1000"),
        household_size=3,
        food_clothing_insecure=False,
        housing_unsafe=False,
        water_unsafe=False,
        compulsory_dropout=False,
        uninsured_members=0,
        members_who_can_work=1,
        measures_implemented=1,
        open_risk_leads=0,
    )
    return dataclasses.replace(base, **changes)


def result(f: ExitFacts, code: str) -> Any:
    (found,) = [r for r in evaluate(f).results if r.code == code]
    return found


# --- months -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 1, 31), 6, date(2026, 7, 31)),
        (date(2026, 1, 31), 3, date(2026, 4, 30)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2025, 12, 15), 2, date(2026, 2, 15)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2026, 5, 20), 0, date(2026, 5, 20)),
    ],
)
def test_add_months_clamps_to_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 1, 31), date(2026, 2, 27), 0),
        (date(2026, 1, 31), date(2026, 2, 28), 1),
        (date(2026, 1, 31), date(2026, 7, 30), 5),
        (date(2026, 1, 31), date(2026, 7, 31), 6),
        (date(2025, 8, 31), date(2026, 2, 28), 6),
        (date(2026, 3, 15), date(2026, 2, 20), -1),
    ],
)
def test_whole_months(start: date, end: date, expected: int) -> None:
    assert whole_months(start, end) == expected


@given(
    st.dates(date(2000, 1, 1), date(2090, 12, 31)), st.dates(date(2000, 1, 1), date(2090, 12, 31))
)
def test_whole_months_is_the_largest_n_reached(start: date, end: date) -> None:
    n = whole_months(start, end)
    assert add_months(start, n) <= end < add_months(start, n + 1)


# --- all pass; E07 --------------------------------------------------------------------------------


def test_all_conditions_pass() -> None:
    ev = evaluate(facts())
    assert ev.passed
    assert ev.failed == []
    assert [r.code for r in ev.results] == ["E01", "E02", "E03", "E04", "E05", "E06", "E07"]
    assert ev.version == CURRENT_VERSION


@pytest.mark.parametrize("method", ["assisted", "natural"])
def test_no_labour_household_is_never_eliminated(method: str) -> None:
    ev = evaluate(facts(members_who_can_work=0, method=method))
    assert not ev.passed
    assert [r.code for r in ev.failed] == ["E07"]
    assert "继续监测" in ev.failed[0].explanation_zh
    assert "stays under monitoring" in ev.failed[0].explanation_en


# --- E01 -----------------------------------------------------------------------------------------


def test_e01_exactly_min_months_passes_a_day_short_fails() -> None:
    assert result(facts(), "E01").passed
    short = result(facts(as_of=date(2026, 7, 30)), "E01")
    assert not short.passed
    assert short.values["whole_months"] == 5
    assert short.values["met_from"] == "2026-07-31"


def test_e01_month_end_clamping() -> None:
    since = date(2025, 8, 31)
    assert result(facts(monitored_since=since, as_of=date(2026, 2, 28)), "E01").passed
    assert not result(facts(monitored_since=since, as_of=date(2026, 2, 27)), "E01").passed


def test_e01_without_approval_date_fails() -> None:
    r = result(facts(monitored_since=None), "E01")
    assert not r.passed
    assert r.explanation_en == "no county approval date recorded"


def test_e01_approval_after_as_of_fails() -> None:
    assert not result(facts(monitored_since=date(2026, 8, 1)), "E01").passed


# --- E02 -----------------------------------------------------------------------------------------


def test_e02_income_exactly_at_line_passes_one_fen_below_fails() -> None:
    at_line = tuple(obs(o.on, LINE) for o in facts().income_followups)
    assert result(facts(income_followups=at_line), "E02").passed
    below = (*at_line[:-1], obs(at_line[-1].on, "7499.99"))
    r = result(facts(income_followups=below), "E02")
    assert not r.passed
    assert "7,499.99" in r.explanation_zh
    assert r.values["run_followups"] == 0


def test_e02_run_starting_exactly_n_months_ago_passes_a_day_later_fails() -> None:
    start = date(2026, 1, 31)
    run = (obs(start, "8000"), obs(date(2026, 7, 1), "8000"))
    assert result(facts(income_followups=run), "E02").passed
    late = (obs(start + timedelta(days=1), "8000"), obs(date(2026, 7, 1), "8000"))
    r = result(facts(income_followups=late), "E02")
    assert not r.passed
    assert r.values["stable_from"] == "2026-08-01"
    assert "not yet 6 months" in r.explanation_en


def test_e02_month_end_clamping() -> None:
    feb = date(2026, 2, 28)
    run = (obs(date(2025, 8, 31), "8000"), obs(date(2026, 2, 1), "8000"))
    assert result(facts(as_of=feb, income_followups=run), "E02").passed
    assert not result(facts(as_of=feb - timedelta(days=1), income_followups=run), "E02").passed


def test_e02_a_dip_breaks_the_run() -> None:
    followups = (
        obs(date(2026, 1, 31), "8000"),
        obs(date(2026, 3, 1), "7000"),
        obs(date(2026, 4, 15), "8200"),
        obs(date(2026, 7, 1), "8100"),
    )
    r = result(facts(income_followups=followups), "E02")
    assert not r.passed
    assert r.values["run_start"] == "2026-04-15"
    assert r.values["run_followups"] == 2


def test_e02_stale_follow_up_fails() -> None:
    followups = (obs(date(2026, 1, 1), "8000"), obs(date(2026, 4, 30), "8000"))
    # 2026-04-30 + 3 months = 2026-07-30: fresh that day, stale the next.
    assert result(facts(as_of=date(2026, 7, 30), income_followups=followups), "E02").passed
    r = result(facts(as_of=date(2026, 7, 31), income_followups=followups), "E02")
    assert not r.passed
    assert r.values["fresh_until"] == "2026-07-30"
    assert (
        r.values["followup_max_age_months"] == EXIT_RULES[CURRENT_VERSION].followup_max_age_months
    )
    assert "more than 3 months old" in r.explanation_en


def test_e02_same_day_duplicates_count_the_lowest() -> None:
    base = facts().income_followups
    same = (*base, obs(base[-1].on, base[-1].per_capita_income))
    assert result(facts(income_followups=same), "E02").passed
    lower = (*base, obs(base[-1].on, "7499.99"))
    r = result(facts(income_followups=lower), "E02")
    assert not r.passed
    assert r.values["latest_per_capita_income"] == "7499.99"
    assert r.values["followup_days"] == 3


def test_e02_unsorted_input_is_sorted_by_date() -> None:
    followups = (
        obs(date(2026, 7, 1), "8100"),
        obs(date(2025, 12, 1), "6000"),  # below, but the oldest: before the run
        obs(date(2026, 1, 31), "8000"),
        obs(date(2026, 4, 15), "8200"),
    )
    r = result(facts(income_followups=followups), "E02")
    assert r.passed
    assert r.values["run_start"] == "2026-01-31"
    assert r.values["latest_followup_on"] == "2026-07-01"
    for order in (tuple(reversed(followups)), tuple(sorted(followups, key=lambda o: o.on))):
        assert result(facts(income_followups=order), "E02") == r


def test_e02_no_follow_up_fails() -> None:
    r = result(facts(income_followups=()), "E02")
    assert not r.passed
    assert r.explanation_en == "no income follow-up recorded"
    assert r.explanation_zh == "未记录收入跟踪"


def test_e02_follow_ups_after_as_of_are_ignored() -> None:
    later = (*facts().income_followups, obs(date(2026, 8, 5), "100"))
    r = result(facts(income_followups=later), "E02")
    assert r.passed
    assert r.values["followups_after_as_of_ignored"] == 1


# --- E03 -----------------------------------------------------------------------------------------


def test_e03_exactly_at_line_passes_one_fen_below_fails() -> None:
    # (net - 2000 - 1000) / 3 == 7500 exactly
    assert result(facts(net_income=Decimal("25500")), "E03").passed
    r = result(facts(net_income=Decimal("25499.99")), "E03")
    assert not r.passed
    # 22499.99 / 3 = 7499.996…: shown rounded down, never as 7,500.00
    assert r.values["per_capita_after_rigid"] == "7499.99"
    assert "7,499.99" in r.explanation_en


def test_e03_reads_both_costs() -> None:
    # 30000 - 2000 - 1000 leaves 4500 above 3 x 7500: either cost may grow by 4500, no more
    assert result(facts(medical_oop=Decimal("6500")), "E03").passed
    assert not result(facts(medical_oop=Decimal("6500.01")), "E03").passed
    assert result(facts(education_oop=Decimal("5500")), "E03").passed
    assert not result(facts(education_oop=Decimal("5500.01")), "E03").passed


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"net_income": None}, ["net_income"]),
        ({"medical_oop": None, "education_oop": None}, ["medical_oop", "education_oop"]),
        ({"household_size": 0}, ["household_size"]),
    ],
)
def test_e03_missing_accounts_are_not_assessed(change: dict[str, Any], missing: list[str]) -> None:
    r = result(facts(**change), "E03")
    assert not r.passed
    assert r.values["not_assessed"] == missing
    assert r.explanation_en.startswith("not assessed")


# --- E04 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"food_clothing_insecure": True},
        {"housing_unsafe": True},
        {"water_unsafe": True},
        {"compulsory_dropout": True},
        {"uninsured_members": 1},
    ],
)
def test_e04_any_problem_fails(change: dict[str, Any]) -> None:
    r = result(facts(**change), "E04")
    assert not r.passed
    assert r.explanation_en.startswith("problems: ")


def test_e04_not_assessed_lists_which() -> None:
    r = result(facts(housing_unsafe=None, water_unsafe=None), "E04")
    assert not r.passed
    assert r.values["not_assessed"] == ["housing_unsafe", "water_unsafe"]
    assert r.explanation_en == "not assessed: housing safety, drinking water"
    assert r.explanation_zh == "未评估：住房安全、饮水安全"


# --- E05, E06 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["assisted", "natural"])
def test_e05_needs_a_measure_for_both_methods(method: str) -> None:
    assert result(facts(method=method), "E05").passed
    r = result(facts(method=method, measures_implemented=0), "E05")
    assert not r.passed
    assert r.values["method"] == method


def test_e06_an_open_lead_fails() -> None:
    r = result(facts(open_risk_leads=1), "E06")
    assert not r.passed
    assert r.values == {"open_risk_leads": 1}


# --- record, versions, input checks --------------------------------------------------------------


def test_to_record_is_json_ready() -> None:
    ev = evaluate(facts(open_risk_leads=2, housing_unsafe=None))
    record = ev.to_record()
    again = json.loads(json.dumps(record, ensure_ascii=False))
    assert again == record
    assert record["version"] == CURRENT_VERSION
    assert record["passed"] is False
    assert record["failed"] == ["E04", "E06"]
    assert record["parameters"] == {"followup_max_age_months": 3}
    e03 = record["conditions"][2]
    assert e03["values"]["net_income"] == "30000"
    assert record["conditions"][0]["values"]["monitored_since"] == "2026-01-31"


def test_unknown_version_names_the_known_ones() -> None:
    with pytest.raises(UserError, match=r"2099\.9.*known versions: 2024\.1"):
        evaluate(facts(), version="2099.9")


def test_every_version_has_the_same_stable_codes_documented() -> None:
    text = (DOCS / "elimination.md").read_text(encoding="utf-8")
    assert CURRENT_VERSION in EXIT_RULES
    for version, rules in EXIT_RULES.items():
        assert rules.version == version
        assert f"`{version}`" in text
        codes = [c.code for c in rules.conditions]
        assert len(set(codes)) == len(codes)
        assert [c for c in codes if f"`{c}`" not in text] == []


def test_floats_and_unknown_methods_are_refused() -> None:
    with pytest.raises(TypeError, match="income_line"):
        facts(income_line=7500.0)
    with pytest.raises(TypeError, match="per_capita_income"):
        IncomeObservation(date(2026, 1, 1), cast(Decimal, 8000.0))
    with pytest.raises(ValueError, match="method"):
        facts(method="automatic")
    with pytest.raises(ValueError, match="open_risk_leads"):
        facts(open_risk_leads=-1)


# --- property: one broken input always blocks elimination ----------------------------------------

MONEY = st.decimals(min_value=Decimal("1000"), max_value=Decimal("30000"), places=2)


@st.composite
def healthy_facts(draw: st.DrawFn) -> ExitFacts:
    """Random facts that meet every condition (days chosen so month lengths cannot matter)."""
    as_of = draw(st.dates(date(2021, 1, 1), date(2035, 12, 31)))
    line = draw(MONEY)
    need_monitored = draw(st.integers(1, 24))
    need_stable = draw(st.integers(1, 24))
    since = as_of - timedelta(days=31 * need_monitored + draw(st.integers(0, 400)))
    latest = as_of - timedelta(days=draw(st.integers(0, 89)))  # within 3 months of as_of
    start = min(latest, as_of - timedelta(days=31 * need_stable + draw(st.integers(0, 200))))
    middle = draw(st.lists(st.dates(start, latest), max_size=5))
    days = [start, *middle, latest]
    incomes = [line + draw(st.decimals(0, 5000, places=2)) for _ in days]
    followups = [IncomeObservation(d, pc) for d, pc in zip(days, incomes, strict=True)]
    size = draw(st.integers(1, 8))
    med, edu = draw(MONEY), draw(MONEY)
    return ExitFacts(
        as_of=as_of,
        method=draw(st.sampled_from(["assisted", "natural"])),
        income_line=line,
        min_monitored_months=need_monitored,
        income_stable_months=need_stable,
        monitored_since=since,
        income_followups=tuple(draw(st.permutations(followups))),
        net_income=line * size + med + edu + draw(st.decimals(0, 5000, places=2)),
        medical_oop=med,
        education_oop=edu,
        household_size=size,
        food_clothing_insecure=False,
        housing_unsafe=False,
        water_unsafe=False,
        compulsory_dropout=False,
        uninsured_members=0,
        members_who_can_work=draw(st.integers(1, 6)),
        measures_implemented=draw(st.integers(1, 10)),
        open_risk_leads=0,
    )


def _break(data: st.DataObject, f: ExitFacts) -> tuple[str, ExitFacts]:
    """Break exactly one condition's input; return its code and the broken facts."""
    draw = data.draw
    kind = draw(st.sampled_from(BREAKS))
    line, as_of = f.income_line, f.as_of
    days = sorted(o.on for o in f.income_followups)
    if kind == "no_approval":
        return "E01", dataclasses.replace(f, monitored_since=None)
    if kind == "too_recent":  # a month has at least 28 days
        back = draw(st.integers(0, 28 * f.min_monitored_months - 1))
        return "E01", dataclasses.replace(f, monitored_since=as_of - timedelta(days=back))
    if kind == "no_followup":
        return "E02", dataclasses.replace(f, income_followups=())
    if kind == "latest_below":
        dip = IncomeObservation(days[-1], line - draw(st.decimals("0.01", 1000, places=2)))
        return "E02", dataclasses.replace(f, income_followups=(*f.income_followups, dip))
    if kind == "stale":
        shift = timedelta(days=93 + draw(st.integers(0, 60)) - (as_of - days[-1]).days)
        moved = tuple(
            IncomeObservation(o.on - shift, o.per_capita_income) for o in f.income_followups
        )
        return "E02", dataclasses.replace(f, income_followups=moved)
    if kind == "short_run":
        back = draw(st.integers(0, 28 * f.income_stable_months - 1))
        only = IncomeObservation(as_of - timedelta(days=back), line)
        return "E02", dataclasses.replace(f, income_followups=(only,))
    if kind == "rigid":
        assert f.net_income is not None
        assert f.education_oop is not None
        over = f.net_income - f.education_oop - line * f.household_size + Decimal("0.01")
        return "E03", dataclasses.replace(f, medical_oop=over)
    if kind == "no_accounts":
        field = draw(st.sampled_from(["net_income", "medical_oop", "education_oop"]))
        return "E03", dataclasses.replace(f, **{field: None})
    if kind in ("food_clothing_insecure", "housing_unsafe", "water_unsafe"):
        return "E04", dataclasses.replace(f, **{kind: draw(st.sampled_from([True, None]))})
    if kind == "dropout":
        return "E04", dataclasses.replace(f, compulsory_dropout=True)
    if kind == "uninsured":
        return "E04", dataclasses.replace(f, uninsured_members=draw(st.integers(1, 5)))
    if kind == "no_measure":
        return "E05", dataclasses.replace(f, measures_implemented=0)
    if kind == "open_lead":
        return "E06", dataclasses.replace(f, open_risk_leads=draw(st.integers(1, 5)))
    assert kind == "no_labour"
    return "E07", dataclasses.replace(f, members_who_can_work=0)


BREAKS = (
    "no_approval",
    "too_recent",
    "no_followup",
    "latest_below",
    "stale",
    "short_run",
    "rigid",
    "no_accounts",
    "food_clothing_insecure",
    "housing_unsafe",
    "water_unsafe",
    "dropout",
    "uninsured",
    "no_measure",
    "open_lead",
    "no_labour",
)


@given(st.data())
def test_one_broken_input_blocks_elimination(data: st.DataObject) -> None:
    healthy = data.draw(healthy_facts())
    assert evaluate(healthy).passed, evaluate(healthy).to_record()
    code, broken = _break(data, healthy)
    ev = evaluate(broken)
    assert not ev.passed
    assert [r.code for r in ev.failed] == [code]
