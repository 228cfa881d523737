"""Checks of one measure against its rules, and warnings about a household's plan."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bottomline.assistance.catalogue import parse_catalogue
from bottomline.assistance.checks import (
    PlannedMeasure,
    check_measure,
    plan_warnings,
    risk_types_without_measure,
)
from bottomline.assistance.enums import MeasureStatus
from bottomline.errors import UserError
from bottomline.registry.enums import Schooling
from bottomline.screening.enums import RiskType

planned, cancelled = MeasureStatus.planned, MeasureStatus.cancelled


def codes(problems: list) -> list[str]:  # type: ignore[type-arg]
    return [p.code for p in problems]


# --- amounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["50000", "50000.00", "0", "0.01", "49999.99"])
def test_micro_credit_amount_within_the_limit(amount: str) -> None:
    assert check_measure("micro_credit", amount=Decimal(amount)) == []


def test_micro_credit_amount_over_the_limit() -> None:
    (problem,) = check_measure("micro_credit", amount=Decimal("50000.01"))
    assert problem.code == "M102"
    assert problem.values == {"amount": Decimal("50000.01"), "limit": Decimal(50000)}
    assert problem.zh == "金额50000.01元超过上限50000元"
    assert "50000.01 yuan is over the limit of 50000" in problem.en
    assert problem.source.startswith("S35")
    assert "local example" in problem.source


@pytest.mark.parametrize("amount", ["-0.01", "-50000", "NaN", "Infinity", "0.001"])
def test_invalid_amounts(amount: str) -> None:
    assert codes(check_measure("dibao", amount=Decimal(amount))) == ["M101"]


def test_integer_amounts_are_accepted_and_floats_refused() -> None:
    assert codes(check_measure("micro_credit", amount=50001)) == ["M102"]  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Decimal"):
        check_measure("micro_credit", amount=50000.0)  # type: ignore[arg-type]


def test_a_measure_without_an_amount_rule_has_no_limit() -> None:
    assert check_measure("dibao", amount=Decimal(10_000_000)) == []
    assert check_measure("yulu_plan", amount=Decimal(9000)) == []  # the standard is not a limit


# --- dates and terms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2024, 3, 15), date(2027, 3, 15), []),  # exactly 36 months
        (date(2024, 3, 15), date(2027, 3, 16), ["M104"]),  # a day more
        (date(2024, 3, 15), date(2027, 4, 15), ["M104"]),  # 37 months
        (date(2024, 3, 15), date(2024, 3, 15), []),
        (date(2024, 2, 29), date(2027, 2, 28), []),  # month end clamps: 36 months
        (date(2024, 2, 29), date(2027, 3, 1), ["M104"]),
        (date(2024, 1, 31), date(2027, 1, 31), []),
        (date(2024, 3, 15), date(2024, 3, 14), ["M103"]),  # end before start, no term problem
    ],
)
def test_micro_credit_term(start: date, end: date, expected: list[str]) -> None:
    assert codes(check_measure("micro_credit", start_on=start, end_on=end)) == expected


def test_term_problem_gives_the_latest_end() -> None:
    (problem,) = check_measure("micro_credit", start_on=date(2024, 3, 15), end_on=date(2027, 4, 15))
    assert problem.values["latest_end_on"] == date(2027, 3, 15)
    assert problem.values["limit"] == 36
    assert "2027-03-15" in problem.zh


def test_end_before_start_applies_to_every_measure() -> None:
    (problem,) = check_measure("dibao", start_on=date(2025, 5, 2), end_on=date(2025, 5, 1))
    assert problem.code == "M103"
    assert problem.zh == "结束日期2025-05-01早于开始日期2025-05-02"


def test_open_ended_or_undated_measures_are_not_checked() -> None:
    assert check_measure("micro_credit", start_on=date(2024, 1, 1)) == []
    assert check_measure("micro_credit", end_on=date(2099, 1, 1)) == []
    assert check_measure("dibao", start_on=date(2020, 1, 1), end_on=date(2099, 1, 1)) == []


# --- ages --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "age", "ok"),
    [
        ("micro_credit", 18, True),
        ("micro_credit", 65, True),
        ("micro_credit", 17, False),
        ("micro_credit", 66, False),
        ("public_welfare_job", 16, True),
        ("public_welfare_job", 69, True),
        ("public_welfare_job", 15, False),
        ("public_welfare_job", 70, False),
        ("dibao", 3, True),  # no age rule
    ],
)
def test_beneficiary_age(measure: str, age: int, ok: bool) -> None:
    assert codes(check_measure(measure, beneficiary_age=age)) == ([] if ok else ["M105"])


def test_age_problem_says_the_range() -> None:
    (problem,) = check_measure("micro_credit", beneficiary_age=66)
    assert problem.zh == "受益人年龄66岁不在18–65岁范围内"
    assert problem.values == {"age": 66, "allowed": "18–65"}


# --- who qualifies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("formerly_poor", "monitored", "ok"),
    [
        (True, None, True),
        (True, False, True),
        (False, True, True),
        (None, True, True),
        (False, False, False),
        (False, None, True),  # might be monitored: not known not to qualify
        (None, False, True),
        (None, None, True),
    ],
)
def test_micro_credit_households(
    formerly_poor: bool | None, monitored: bool | None, ok: bool
) -> None:
    found = check_measure("micro_credit", formerly_poor=formerly_poor, monitored=monitored)
    assert codes(found) == ([] if ok else ["M106"])


def test_household_problem_names_who_qualifies() -> None:
    (problem,) = check_measure("yulu_plan", formerly_poor=False, monitored=False)
    assert problem.zh == "该措施只面向脱贫户、监测对象，该户不是"
    assert problem.source.startswith("S36")


@pytest.mark.parametrize(
    ("schooling", "ok"),
    [
        (Schooling.vocational, True),
        (Schooling.senior_high, False),
        (Schooling.higher, False),
        (Schooling.compulsory, False),
        (None, True),
    ],
)
def test_yulu_plan_is_for_vocational_students(schooling: Schooling | None, ok: bool) -> None:
    found = check_measure("yulu_plan", beneficiary_schooling=schooling)
    assert codes(found) == ([] if ok else ["M107"])


def test_several_problems_at_once() -> None:
    found = check_measure(
        "micro_credit",
        amount=Decimal(60000),
        start_on=date(2024, 1, 1),
        end_on=date(2028, 1, 1),
        beneficiary_age=70,
        formerly_poor=False,
        monitored=False,
    )
    assert codes(found) == ["M102", "M104", "M105", "M106"]


def test_unknown_measure_type_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown measure type 'microcredit'"):
        check_measure("microcredit", amount=Decimal(1))


# --- plan warnings -----------------------------------------------------------------------------


def plan(*items: tuple[str, MeasureStatus]) -> list[PlannedMeasure]:
    return [PlannedMeasure(code, status) for code, status in items]


def warning_codes(**kwargs: object) -> list[str]:
    return [w.code for w in plan_warnings(**kwargs)]  # type: ignore[arg-type]


def test_no_measure_at_all() -> None:
    (warning,) = plan_warnings(risk_types=[RiskType.illness], measures=[], household_can_work=True)
    assert warning.code == "W101"
    assert warning.zh == "没有帮扶措施"


def test_only_cancelled_measures_is_no_measure() -> None:
    measures = plan(("dibao", cancelled), ("labour_transfer", cancelled))
    assert warning_codes(risk_types=[], measures=measures, household_can_work=True) == ["W101"]


def test_risk_without_a_measure() -> None:
    warnings = plan_warnings(
        risk_types=[RiskType.illness, RiskType.unstable_employment],
        measures=plan(("labour_transfer", planned)),
        household_can_work=True,
    )
    (warning,) = warnings
    assert warning.code == "W102"
    assert warning.zh == "风险类型‘因病’没有对应的帮扶措施"
    assert warning.en == "risk type 'illness' has no measure addressing it"
    assert warning.values["risk_type"] == "illness"
    assert "medical_assistance" in warning.values["addressed_by"]  # type: ignore[operator]


def test_cancelled_measure_does_not_address_a_risk() -> None:
    measures = plan(("medical_assistance", cancelled), ("labour_transfer", planned))
    kwargs = {"risk_types": [RiskType.illness], "measures": measures}
    assert warning_codes(**kwargs, household_can_work=True) == ["W102"]
    assert risk_types_without_measure(**kwargs) == [RiskType.illness]  # type: ignore[arg-type]


def test_ended_and_implemented_measures_count() -> None:
    measures = plan(
        ("medical_assistance", MeasureStatus.ended),
        ("labour_transfer", MeasureStatus.implemented),
    )
    assert warning_codes(risk_types=["illness"], measures=measures, household_can_work=True) == []


def test_household_that_can_work_without_development_measure() -> None:
    measures = plan(("dibao", planned), ("housing_renovation", MeasureStatus.in_progress))
    (warning,) = plan_warnings(
        risk_types=[RiskType.illness, RiskType.housing], measures=measures, household_can_work=True
    )
    assert warning.code == "W103"
    assert warning.values == {"kinds": ["basic", "safety_net"]}
    with_job = [*measures, PlannedMeasure("public_welfare_job", planned)]
    assert warning_codes(risk_types=[], measures=with_job, household_can_work=True) == []
    cancelled_job = [*measures, PlannedMeasure("public_welfare_job", cancelled)]
    assert warning_codes(risk_types=[], measures=cancelled_job, household_can_work=True) == ["W103"]


def test_overridden_kind_counts_not_the_category() -> None:
    # 防贫保险 is a finance measure (a development category) but a safety net
    measures = plan(("insurance", planned))
    assert warning_codes(risk_types=[], measures=measures, household_can_work=True) == ["W103"]
    assert warning_codes(risk_types=[], measures=measures, household_can_work=False) == []


def test_household_that_cannot_work_without_safety_net() -> None:
    measures = plan(("labour_transfer", planned))
    codes_ = warning_codes(risk_types=[], measures=measures, household_can_work=False)
    assert codes_ == ["W104"]
    with_dibao = [*measures, PlannedMeasure("dibao", planned)]
    assert warning_codes(risk_types=[], measures=with_dibao, household_can_work=False) == []


def test_a_covered_plan_has_no_warnings() -> None:
    measures = plan(("medical_assistance", planned), ("public_welfare_job", planned))
    risks = [RiskType.illness, RiskType.unstable_employment]
    assert warning_codes(risk_types=risks, measures=measures, household_can_work=True) == []


def test_warnings_follow_risk_order_once_each() -> None:
    risks = [RiskType.drinking_water, RiskType.schooling, RiskType.drinking_water]
    found = risk_types_without_measure(risk_types=risks, measures=plan(("dibao", planned)))
    assert found == [RiskType.drinking_water, RiskType.schooling]
    warnings = plan_warnings(
        risk_types=risks, measures=plan(("dibao", planned)), household_can_work=False
    )
    assert [w.values["risk_type"] for w in warnings] == ["drinking_water", "schooling"]


def test_unknown_code_in_a_plan_is_a_user_error() -> None:
    with pytest.raises(UserError, match="'dibao2'"):
        plan_warnings(risk_types=[], measures=plan(("dibao2", cancelled)), household_can_work=True)


def test_checks_use_the_catalogue_given() -> None:
    custom = parse_catalogue(
        '[measures.cash]\ncategory = "other"\nzh = "现金"\nen = "cash"\nrisks = ["illness"]\n',
        source_path="custom.toml",
    )
    measures = plan(("cash", planned))
    found = risk_types_without_measure(
        risk_types=[RiskType.illness], measures=measures, catalogue=custom
    )
    assert found == []
    with pytest.raises(UserError):
        risk_types_without_measure(risk_types=[], measures=measures)  # not in the packaged one
