"""Checks of assistance measures and of a household's plan: pure functions, bilingual messages.

* :func:`check_measure` holds one measure against the rules of its type in the catalogue
  (amount, term, age, who qualifies) and returns :class:`Problem` s, codes ``M1xx``. A value
  that is not given is not checked: the caller passes what it knows.
* :func:`plan_warnings` looks at a household's whole plan — its risk types and its measures —
  and returns :class:`PlanWarning` s, codes ``W1xx``: no measure at all, a risk no measure
  addresses, a household that can work without development-oriented help, a household that
  cannot work without safety-net cover (policy-notes §5, S3, S34).
* :func:`risk_types_without_measure` is the risk part of that, for data-quality rules.

Cancelled measures never count (:attr:`MeasureStatus.in_plan`); planned, in-progress,
implemented and ended ones do. docs/assistance.md lists every code with its source.

Months are calendar months, clamped at month end: a 36-month term starting 2024-01-31 may end
on 2027-01-31 at the latest, one starting 2024-03-31 with a 1-month term on 2024-04-30.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from bottomline.assistance.catalogue import Catalogue, MeasureType, load_catalogue
from bottomline.assistance.enums import HouseholdGroup, MeasureKind, MeasureStatus
from bottomline.registry.enums import Schooling
from bottomline.screening.enums import RiskType

_FEN: Final = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one measure: a code, the message in Chinese and English, the values."""

    code: str  # "M102"
    zh: str
    en: str
    values: Mapping[str, object] = field(default_factory=dict)
    source: str = ""  # the rule's source, e.g. "S35（地方文件示例 / local example）"


@dataclass(frozen=True, slots=True)
class PlanWarning:
    """Something a household's plan probably lacks: a code, the message, the values."""

    code: str  # "W102"
    zh: str
    en: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlannedMeasure:
    """One measure of a household's plan, as the plan checks need it."""

    measure_type: str  # a catalogue code, e.g. "micro_credit"
    status: MeasureStatus


# code -> (zh template, en template); the templates are filled from the values
MEASURE_PROBLEMS: Final = MappingProxyType(
    {
        "M101": (
            "金额无效（为负数、不是数字或小于1分）：{amount}",
            "invalid amount (negative, not a number or finer than a fen): {amount}",
        ),
        "M102": (
            "金额{amount}元超过上限{limit}元",
            "amount {amount} yuan is over the limit of {limit} yuan",
        ),
        "M103": (
            "结束日期{end_on}早于开始日期{start_on}",
            "end date {end_on} is before start date {start_on}",
        ),
        "M104": (
            "期限超过{limit}个月：{start_on}开始，最晚应于{latest_end_on}结束，实际{end_on}",
            "term over {limit} months: from {start_on} it must end by {latest_end_on}, not {end_on}",
        ),
        "M105": (
            "受益人年龄{age}岁不在{allowed}岁范围内",
            "beneficiary aged {age} is outside the ages {allowed}",
        ),
        "M106": (
            "该措施只面向{allowed_zh}，该户不是",
            "this measure is only for {allowed_en}: the household is not",
        ),
        "M107": (
            "受益人为{schooling_zh}，该措施只面向{allowed_zh}",
            "the beneficiary is {schooling_en}; this measure is only for {allowed_en}",
        ),
    }
)

PLAN_WARNINGS: Final = MappingProxyType(
    {
        "W101": ("没有帮扶措施", "the household has no assistance measure"),
        "W102": (
            "风险类型‘{risk_zh}’没有对应的帮扶措施",
            "risk type '{risk_en}' has no measure addressing it",
        ),
        "W103": (
            "家庭有劳动能力，但没有开发式帮扶措施",
            "the household can work but has no development-oriented measure",
        ),
        "W104": (
            "家庭无劳动能力，但没有保障性帮扶措施（如低保、特困供养）",
            "the household cannot work but has no safety-net measure (such as 低保 or 特困)",
        ),
    }
)


def _problem(code: str, source: str = "", **values: object) -> Problem:
    zh, en = MEASURE_PROBLEMS[code]
    return Problem(code, zh.format(**values), en.format(**values), values, source)


def _warning(code: str, **values: object) -> PlanWarning:
    zh, en = PLAN_WARNINGS[code]
    return PlanWarning(code, zh.format(**values), en.format(**values), values)


# --- one measure -------------------------------------------------------------------------------


def check_measure(
    measure_type: MeasureType | str,
    *,
    amount: Decimal | None = None,
    start_on: date | None = None,
    end_on: date | None = None,
    beneficiary_age: int | None = None,
    beneficiary_schooling: Schooling | None = None,
    formerly_poor: bool | None = None,
    monitored: bool | None = None,
    catalogue: Catalogue | None = None,
) -> list[Problem]:
    """The problems of one measure under the rules of its type.

    ``beneficiary_age`` is in completed years on ``start_on`` (for micro-credit: the borrower's
    age when the loan is made). ``formerly_poor`` (脱贫户) and ``monitored`` (监测对象: it has an
    open case of any category) are household flags; the households rule reports a problem only
    when every group the rule allows is known not to apply.
    """
    if isinstance(measure_type, str):
        measure_type = (catalogue or load_catalogue()).get(measure_type)
    return [
        *_amount_problems(measure_type, amount),
        *_date_problems(measure_type, start_on, end_on),
        *_age_problems(measure_type, beneficiary_age),
        *_household_problems(measure_type, formerly_poor, monitored),
        *_schooling_problems(measure_type, beneficiary_schooling),
    ]


def _amount_problems(measure: MeasureType, amount: Decimal | None) -> list[Problem]:
    if amount is None:
        return []
    if not isinstance(amount, Decimal | int):
        raise TypeError(f"amounts are Decimal yuan, not {type(amount).__name__}")
    amount = Decimal(amount)
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(_FEN):
        return [_problem("M101", amount=amount)]
    rule = measure.amount
    if rule is None or rule.maximum is None or amount <= rule.maximum:
        return []
    return [_problem("M102", rule.cite.describe(), amount=amount, limit=rule.maximum)]


def _date_problems(
    measure: MeasureType, start_on: date | None, end_on: date | None
) -> list[Problem]:
    if start_on is None or end_on is None:
        return []
    if end_on < start_on:
        return [_problem("M103", start_on=start_on, end_on=end_on)]
    rule = measure.term
    if rule is None or end_on <= (latest := _add_months(start_on, rule.max_months)):
        return []
    values = {"start_on": start_on, "end_on": end_on, "latest_end_on": latest}
    return [_problem("M104", rule.cite.describe(), limit=rule.max_months, **values)]


def _age_problems(measure: MeasureType, age: int | None) -> list[Problem]:
    rule = measure.age
    if rule is None or age is None:
        return []
    too_young = rule.minimum is not None and age < rule.minimum
    too_old = rule.maximum is not None and age > rule.maximum
    if not (too_young or too_old):
        return []
    return [_problem("M105", rule.cite.describe(), age=age, allowed=rule.describe())]


def _household_problems(
    measure: MeasureType, formerly_poor: bool | None, monitored: bool | None
) -> list[Problem]:
    rule = measure.households
    if rule is None:
        return []
    flags = {HouseholdGroup.formerly_poor: formerly_poor, HouseholdGroup.monitored: monitored}
    known = [flags[group] for group in rule.allowed]
    if any(known) or None in known:  # qualifies, or it is not known that it does not
        return []
    allowed = sorted(rule.allowed)
    return [
        _problem(
            "M106",
            rule.cite.describe(),
            allowed_zh="、".join(g.zh for g in allowed),
            allowed_en=" or ".join(g.en for g in allowed),
        )
    ]


def _schooling_problems(measure: MeasureType, schooling: Schooling | None) -> list[Problem]:
    rule = measure.schooling
    if rule is None or schooling is None or schooling in rule.allowed:
        return []
    allowed = sorted(rule.allowed)
    return [
        _problem(
            "M107",
            rule.cite.describe(),
            schooling_zh=schooling.zh,
            schooling_en=schooling.en,
            allowed_zh="、".join(s.zh for s in allowed),
            allowed_en=" or ".join(s.en for s in allowed),
        )
    ]


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


# --- a household's plan ------------------------------------------------------------------------


def plan_warnings(
    *,
    risk_types: Iterable[RiskType],
    measures: Sequence[PlannedMeasure],
    household_can_work: bool,
    catalogue: Catalogue | None = None,
) -> list[PlanWarning]:
    """What a household's plan probably lacks (see docs/assistance.md for each code).

    With no measure at all only ``W101`` is given: every risk would be uncovered too.
    """
    catalogue = catalogue or load_catalogue()
    counted = _counted(measures, catalogue)
    if not counted:
        return [_warning("W101")]
    warnings = [_risk_warning(risk, catalogue) for risk in _uncovered(risk_types, counted)]
    kinds = {m.kind for m in counted}
    if household_can_work and MeasureKind.development not in kinds:
        warnings.append(_warning("W103", kinds=sorted(k.value for k in kinds)))
    if not household_can_work and MeasureKind.safety_net not in kinds:
        warnings.append(_warning("W104", kinds=sorted(k.value for k in kinds)))
    return warnings


def _risk_warning(risk: RiskType, catalogue: Catalogue) -> PlanWarning:
    addressing = tuple(m.code for m in catalogue.addressing(risk))
    return _warning(
        "W102", risk_type=risk.value, risk_zh=risk.zh, risk_en=risk.en, addressed_by=addressing
    )


def risk_types_without_measure(
    *,
    risk_types: Iterable[RiskType],
    measures: Sequence[PlannedMeasure],
    catalogue: Catalogue | None = None,
) -> list[RiskType]:
    """The household's risk types that no measure of its plan addresses, in the given order."""
    return _uncovered(risk_types, _counted(measures, catalogue or load_catalogue()))


def _counted(measures: Sequence[PlannedMeasure], catalogue: Catalogue) -> list[MeasureType]:
    """The measure types of the plan, without cancelled measures (every code must be known)."""
    found = [(catalogue.get(m.measure_type), MeasureStatus(m.status)) for m in measures]
    return [measure for measure, status in found if status.in_plan]


def _uncovered(risk_types: Iterable[RiskType], counted: list[MeasureType]) -> list[RiskType]:
    risks = dict.fromkeys(RiskType(r) for r in risk_types)
    return [r for r in risks if not any(m.addresses(r) for m in counted)]
