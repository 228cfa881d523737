"""Risk-elimination conditions (风险消除条件): versioned, pure, explained per condition.

A household's monitoring may be closed as risk eliminated (帮扶消除 through assistance, or
自然消除 when the risk went away by itself) only when every condition of the rule set passes
(shared/domain/policy-notes.md §6). The lead engineer fills :class:`ExitFacts` from the store;
:func:`evaluate` judges them under one rule-set version and explains every condition in Chinese
and English, with the values it used, so the record can be kept as evidence on the case and
re-read years later.

Thresholds that vary by province and year (income line, months) come in with the facts from the
effective policy; constants of the *method* (how old a follow-up may be) belong to the rule set,
so changing them means adding a version. Versions are never edited once used: add a new
:class:`RuleSet` to ``EXIT_RULES`` and move ``CURRENT_VERSION``; old ones stay so past decisions
can be re-explained. docs/elimination.md documents each condition, its source and its edges.

Months are calendar months with month-end clamping (:func:`add_months`): 2026-01-31 plus one
month is 2026-02-28, plus six months is 2026-07-31. "n whole months have passed between a and b"
means ``add_months(a, n) <= b``.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from types import MappingProxyType
from typing import Any, Final, Literal, NamedTuple

from bottomline.errors import UserError

EliminationMethod = Literal["assisted", "natural"]  # 帮扶消除 / 自然消除
METHODS: Final[tuple[str, ...]] = ("assisted", "natural")
_METHOD_LABELS: Final = {"assisted": ("帮扶消除", "assisted"), "natural": ("自然消除", "natural")}
_FEN = Decimal("0.01")


# ---------------------------------------------------------------------------------------------
# Months


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (earlier if negative), clamped to month end.

    ``add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)``; ``…, 6) == date(2026, 7, 31)``.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def whole_months(start: date, end: date) -> int:
    """The largest ``n`` with ``add_months(start, n) <= end`` (negative when end < start)."""
    n = (end.year - start.year) * 12 + end.month - start.month
    return n - 1 if add_months(start, n) > end else n


# ---------------------------------------------------------------------------------------------
# Facts


def _no_float(name: str, value: object) -> None:
    if isinstance(value, float):
        raise TypeError(f"{name} must be a Decimal, not a float")


@dataclass(frozen=True, slots=True)
class IncomeObservation:
    """An annualised per-capita net income (yuan) recorded by a helper on a follow-up visit."""

    on: date
    per_capita_income: Decimal

    def __post_init__(self) -> None:
        _no_float("per_capita_income", self.per_capita_income)


@dataclass(frozen=True, slots=True)
class ExitFacts:
    """Everything the exit rules read about one monitored household, as of one day.

    Guarantee flags are ``None`` when not assessed. Money is yuan as ``Decimal``; net income is
    the household's income for the month of ``as_of`` (``registry.reference``: the latest valid
    annual record or follow-up) and the costs are its latest valid annual record's (``None``
    when there is none).
    """

    as_of: date
    method: EliminationMethod
    income_line: Decimal
    min_monitored_months: int
    income_stable_months: int
    monitored_since: date | None
    income_followups: tuple[IncomeObservation, ...]
    net_income: Decimal | None
    medical_oop: Decimal | None
    education_oop: Decimal | None
    household_size: int
    food_clothing_insecure: bool | None
    housing_unsafe: bool | None
    water_unsafe: bool | None
    compulsory_dropout: bool
    uninsured_members: int
    members_who_can_work: int
    measures_implemented: int
    open_risk_leads: int
    # where net income came from for the month of as_of (registry.reference), said in E03
    income_source: str | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        for name in ("income_line", "net_income", "medical_oop", "education_oop"):
            _no_float(name, getattr(self, name))
        counts = (
            "min_monitored_months",
            "income_stable_months",
            "household_size",
            "uninsured_members",
            "members_who_can_work",
            "measures_implemented",
            "open_risk_leads",
        )
        negative = [name for name in counts if getattr(self, name) < 0]
        if negative:
            raise ValueError(f"counts cannot be negative: {', '.join(negative)}")


# ---------------------------------------------------------------------------------------------
# Results


def _json(value: object) -> Any:
    """A JSON-ready copy: Decimal → str, date → ISO string, tuples → lists."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    raise TypeError(f"not a JSON-ready value: {value!r}")


@dataclass(frozen=True, slots=True)
class ConditionResult:
    code: str
    zh: str
    en: str
    source: str
    passed: bool
    explanation_zh: str
    explanation_en: str
    values: dict[str, Any] = field(hash=False)  # JSON-ready: Decimals as strings, dates ISO

    def to_record(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "zh": self.zh,
            "en": self.en,
            "source": self.source,
            "passed": self.passed,
            "explanation_zh": self.explanation_zh,
            "explanation_en": self.explanation_en,
            "values": _json(self.values),
        }


@dataclass(frozen=True, slots=True)
class ExitEvaluation:
    version: str
    as_of: date
    method: EliminationMethod
    results: tuple[ConditionResult, ...]
    parameters: dict[str, Any] = field(hash=False)  # the rule set's own constants, JSON-ready

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> list[ConditionResult]:
        return [r for r in self.results if not r.passed]

    def to_record(self) -> dict[str, Any]:
        """JSON-ready evidence for the case (``json.dumps`` works on it as is)."""
        return {
            "rule_set": "exit",
            "version": self.version,
            "as_of": self.as_of.isoformat(),
            "method": str(self.method),
            "passed": self.passed,
            "failed": [r.code for r in self.failed],
            "parameters": _json(self.parameters),
            "conditions": [r.to_record() for r in self.results],
        }


# ---------------------------------------------------------------------------------------------
# Rule sets


class Outcome(NamedTuple):
    passed: bool
    zh: str
    en: str
    values: Mapping[str, object]


Check = Callable[["ExitFacts", "RuleSet"], Outcome]


@dataclass(frozen=True, slots=True)
class Condition:
    code: str
    zh: str
    en: str
    source: str  # ids of shared/domain/policy-notes.md sources
    check: Check


@dataclass(frozen=True, slots=True)
class RuleSet:
    """One version of the exit conditions and the constants of its method."""

    version: str
    followup_max_age_months: int  # E02: the latest income follow-up may be at most this old
    conditions: tuple[Condition, ...]
    note: str

    def parameters(self) -> dict[str, Any]:
        return {"followup_max_age_months": self.followup_max_age_months}


def _yuan(amount: Decimal) -> str:
    """Money for an explanation, rounded *down* to the fen so a shown figure never looks like it
    reaches the line when the exact one does not."""
    return f"{amount.quantize(_FEN, rounding=ROUND_FLOOR):,.2f}"


# E01 -----------------------------------------------------------------------------------------


def _monitored_long_enough(facts: ExitFacts, rules: RuleSet) -> Outcome:
    need = facts.min_monitored_months
    since = facts.monitored_since
    if since is None:
        return Outcome(
            False,
            "未记录县级审批纳入日期",
            "no county approval date recorded",
            {"monitored_since": None, "min_monitored_months": need},
        )
    months = whole_months(since, facts.as_of)
    met_from = add_months(since, need)
    passed = met_from <= facts.as_of
    zh = (
        f"自{since.isoformat()}纳入监测，至{facts.as_of.isoformat()}已满{max(months, 0)}个月，"
        f"要求至少{need}个月（{met_from.isoformat()}起满足）"
    )
    en = (
        f"monitored since {since.isoformat()}: {max(months, 0)} whole months by "
        f"{facts.as_of.isoformat()}, at least {need} required (met from {met_from.isoformat()})"
    )
    values = {
        "monitored_since": since,
        "whole_months": months,
        "min_monitored_months": need,
        "met_from": met_from,
    }
    return Outcome(passed, zh, en, values)


# E02 -----------------------------------------------------------------------------------------


def _daily_lowest(
    followups: Iterable[IncomeObservation], as_of: date
) -> list[tuple[date, Decimal]]:
    """One income per day (the lowest of same-day records), sorted, up to and including as_of."""
    lowest: dict[date, Decimal] = {}
    for obs in followups:
        if obs.on <= as_of:
            lowest[obs.on] = min(obs.per_capita_income, lowest.get(obs.on, obs.per_capita_income))
    return sorted(lowest.items())


def _trailing_run(daily: list[tuple[date, Decimal]], line: Decimal) -> list[tuple[date, Decimal]]:
    """The unbroken run of days at or above the line that ends at the latest day."""
    start = len(daily)
    while start > 0 and daily[start - 1][1] >= line:
        start -= 1
    return daily[start:]


def _income_stable(facts: ExitFacts, rules: RuleSet) -> Outcome:
    line, need, max_age = (
        facts.income_line,
        facts.income_stable_months,
        rules.followup_max_age_months,
    )
    daily = _daily_lowest(facts.income_followups, facts.as_of)
    values: dict[str, object] = {
        "income_line": line,
        "income_stable_months": need,
        "followup_max_age_months": max_age,
        "followup_days": len(daily),
        "followups_after_as_of_ignored": sum(o.on > facts.as_of for o in facts.income_followups),
    }
    if not daily:
        return Outcome(False, "未记录收入跟踪", "no income follow-up recorded", values)
    latest_on, latest_pc = daily[-1]
    run = _trailing_run(daily, line)
    fresh_until = add_months(latest_on, max_age)
    values |= {
        "latest_followup_on": latest_on,
        "latest_per_capita_income": latest_pc,
        "fresh_until": fresh_until,
        "run_start": run[0][0] if run else None,
        "run_followups": len(run),
    }
    zh: list[str] = []
    en: list[str] = []
    if not run:
        zh.append(
            f"最近一次跟踪（{latest_on.isoformat()}）人均纯收入{_yuan(latest_pc)}元，"
            f"低于监测范围{_yuan(line)}元"
        )
        en.append(
            f"latest follow-up ({latest_on.isoformat()}) per-capita income {_yuan(latest_pc)} "
            f"yuan is below the line of {_yuan(line)} yuan"
        )
    else:
        run_start = run[0][0]
        stable_from = add_months(run_start, need)
        values["stable_from"] = stable_from
        zh.append(
            f"自{run_start.isoformat()}起连续{len(run)}次跟踪人均纯收入不低于监测范围{_yuan(line)}元"
            f"（最近{latest_on.isoformat()}为{_yuan(latest_pc)}元），要求持续{need}个月，"
            f"{stable_from.isoformat()}起满足"
        )
        en.append(
            f"{len(run)} follow-up(s) in a row at or above the line of {_yuan(line)} yuan since "
            f"{run_start.isoformat()} (latest {latest_on.isoformat()}: {_yuan(latest_pc)} yuan); "
            f"{need} months required, met from {stable_from.isoformat()}"
        )
        if stable_from > facts.as_of:
            zh.append(f"至{facts.as_of.isoformat()}尚未满{need}个月")
            en.append(f"not yet {need} months by {facts.as_of.isoformat()}")
    stale = fresh_until < facts.as_of
    if stale:
        zh.append(
            f"最近一次跟踪已超过{max_age}个月（有效至{fresh_until.isoformat()}），需重新跟踪收入"
        )
        en.append(
            f"the latest follow-up is more than {max_age} months old (valid until "
            f"{fresh_until.isoformat()}); record a new income follow-up"
        )
    passed = bool(run) and add_months(run[0][0], need) <= facts.as_of and not stale
    return Outcome(passed, "；".join(zh), "; ".join(en), values)


# E03 -----------------------------------------------------------------------------------------

_ACCOUNT_LABELS: Final = {
    "net_income": ("家庭纯收入", "net income"),
    "medical_oop": ("合规自付医疗支出", "out-of-pocket medical costs"),
    "education_oop": ("合规自付教育支出", "out-of-pocket education costs"),
    "household_size": ("家庭人口", "household size"),
}


def _rigid_resolved(facts: ExitFacts, rules: RuleSet) -> Outcome:
    line, size = facts.income_line, facts.household_size
    net, med, edu = facts.net_income, facts.medical_oop, facts.education_oop
    values: dict[str, object] = {
        "net_income": net,
        "medical_oop": med,
        "education_oop": edu,
        "household_size": size,
        "income_line": line,
    }
    if net is None or med is None or edu is None or size < 1:
        missing = [k for k in ("net_income", "medical_oop", "education_oop") if values[k] is None]
        missing += ["household_size"] if size < 1 else []
        values["not_assessed"] = missing
        return Outcome(
            False,
            "未评估：" + "、".join(_ACCOUNT_LABELS[k][0] for k in missing),
            "not assessed: " + ", ".join(_ACCOUNT_LABELS[k][1] for k in missing),
            values,
        )
    if facts.income_source:
        values["income_source"] = facts.income_source
    after = net - med - edu
    passed = after >= line * size  # exact: the same as after / size >= line, without rounding
    per_capita = (after / size).quantize(_FEN, rounding=ROUND_FLOOR)
    values["per_capita_after_rigid"] = per_capita
    cmp_zh, cmp_en = ("不低于", "at or above") if passed else ("低于", "below")
    zh = (
        f"家庭纯收入{_yuan(net)}元，扣除医疗自付{_yuan(med)}元、教育自付{_yuan(edu)}元后，"
        f"人均{_yuan(per_capita)}元（{size}口人），{cmp_zh}监测范围{_yuan(line)}元"
    )
    en = (
        f"net income {_yuan(net)} yuan less medical {_yuan(med)} and education {_yuan(edu)} "
        f"out-of-pocket costs is {_yuan(per_capita)} yuan per person ({size} people), "
        f"{cmp_en} the line of {_yuan(line)} yuan"
    )
    if facts.income_source:
        source_zh, _, source_en = facts.income_source.partition(" / ")
        zh += f"（收入来源：{source_zh}）"
        en += f" (income from the {source_en or source_zh})"
    return Outcome(passed, zh, en, values)


# E04 -----------------------------------------------------------------------------------------

_GUARANTEE_LABELS: Final = {
    "food_clothing_insecure": ("吃穿", "food and clothing"),
    "housing_unsafe": ("住房安全", "housing safety"),
    "water_unsafe": ("饮水安全", "drinking water"),
}


def _guarantees_secure(facts: ExitFacts, rules: RuleSet) -> Outcome:
    flags = {k: getattr(facts, k) for k in _GUARANTEE_LABELS}
    missing = [k for k, v in flags.items() if v is None]
    problems_zh = [_GUARANTEE_LABELS[k][0] + "有问题" for k, v in flags.items() if v]
    problems_en = [_GUARANTEE_LABELS[k][1] + " not secure" for k, v in flags.items() if v]
    if facts.compulsory_dropout:
        problems_zh.append("有义务教育阶段辍学")
        problems_en.append("a compulsory-school-age member dropped out")
    if facts.uninsured_members:
        problems_zh.append(f"{facts.uninsured_members}人未参加基本医疗保险")
        problems_en.append(f"{facts.uninsured_members} member(s) without basic medical insurance")
    values: dict[str, object] = {
        **flags,
        "compulsory_dropout": facts.compulsory_dropout,
        "uninsured_members": facts.uninsured_members,
        "not_assessed": missing,
    }
    zh: list[str] = []
    en: list[str] = []
    if missing:
        zh.append("未评估：" + "、".join(_GUARANTEE_LABELS[k][0] for k in missing))
        en.append("not assessed: " + ", ".join(_GUARANTEE_LABELS[k][1] for k in missing))
    if problems_zh:
        zh.append("存在问题：" + "、".join(problems_zh))
        en.append("problems: " + ", ".join(problems_en))
    if not zh:
        zh.append("吃穿不愁，义务教育、基本医疗、住房安全和饮水安全有保障")
        en.append(
            "food and clothing secure; compulsory education, basic medical insurance, "
            "housing and drinking water guaranteed"
        )
    passed = not missing and not problems_zh
    return Outcome(passed, "；".join(zh), "; ".join(en), values)


# E05 - E07 -----------------------------------------------------------------------------------


def _measure_implemented(facts: ExitFacts, rules: RuleSet) -> Outcome:
    n = facts.measures_implemented
    method_zh, method_en = _METHOD_LABELS[str(facts.method)]
    values = {"measures_implemented": n, "method": str(facts.method)}
    if n >= 1:
        return Outcome(
            True, f"已落实{n}项帮扶措施", f"{n} assistance measure(s) implemented", values
        )
    return Outcome(
        False,
        f"未落实任何帮扶措施；{method_zh}也须至少落实一项",
        f"no assistance measure implemented; {method_en} elimination also needs at least one",
        values,
    )


def _no_new_risk(facts: ExitFacts, rules: RuleSet) -> Outcome:
    n = facts.open_risk_leads
    values = {"open_risk_leads": n}
    if n == 0:
        return Outcome(True, "纳入监测后无未办结的新增风险线索", "no open new risk lead", values)
    return Outcome(
        False,
        f"纳入监测后新发现{n}条风险线索尚未办结",
        f"{n} risk lead(s) raised since approval still open",
        values,
    )


def _has_labour(facts: ExitFacts, rules: RuleSet) -> Outcome:
    n = facts.members_who_can_work
    values = {"members_who_can_work": n}
    if n >= 1:
        return Outcome(True, f"有{n}名有劳动能力的成员", f"{n} member(s) able to work", values)
    return Outcome(
        False,
        "家庭成员均无劳动能力：落实社会保障兜底后不标注风险消除，继续监测",
        "no member can work: once the social-security safety net is in place the household is "
        "not marked eliminated and stays under monitoring",
        values,
    )


_CONDITIONS_2024_1: Final = (
    Condition("E01", "监测时间满足要求", "monitored long enough", "S14", _monitored_long_enough),
    Condition(
        "E02", "收入持续稳定超过监测范围", "income stably above the line", "S5, S15", _income_stable
    ),
    Condition(
        "E03", "刚性支出问题已解决", "rigid expenditure resolved", "S5, S15, S11", _rigid_resolved
    ),
    Condition(
        "E04",
        "两不愁三保障及饮水安全有保障",
        "two no-worries, three guarantees and drinking water secure",
        "S5, S15, S11",
        _guarantees_secure,
    ),
    Condition(
        "E05", "已落实帮扶措施", "at least one measure implemented", "S14", _measure_implemented
    ),
    Condition("E06", "无新增风险", "no new risk", "S5, S15", _no_new_risk),
    Condition("E07", "有劳动能力", "has labour capacity", "S11, S14", _has_labour),
)

EXIT_RULES: Final[Mapping[str, RuleSet]] = MappingProxyType(
    {
        "2024.1": RuleSet(
            version="2024.1",
            followup_max_age_months=3,
            conditions=_CONDITIONS_2024_1,
            note="2024 national composite judgment (S5) with the S14 preconditions",
        ),
    }
)
CURRENT_VERSION: Final = "2024.1"


def rule_set(version: str) -> RuleSet:
    """The rule set of ``version``; a :class:`UserError` names the known versions otherwise."""
    try:
        return EXIT_RULES[version]
    except KeyError:
        known = ", ".join(EXIT_RULES)
        raise UserError(
            f"未知的风险消除规则版本 {version!r}，已有版本：{known} / "
            f"unknown exit-rule version {version!r}; known versions: {known}",
            hint="给出已有版本之一，或在 EXIT_RULES 中增加新的 RuleSet / "
            "pass one of the known versions, or add a new RuleSet to EXIT_RULES",
        ) from None


def evaluate(facts: ExitFacts, version: str = CURRENT_VERSION) -> ExitEvaluation:
    """Judge ``facts`` under the exit rules of ``version``, explaining every condition."""
    rules = rule_set(version)
    results = []
    for cond in rules.conditions:
        outcome = cond.check(facts, rules)
        results.append(
            ConditionResult(
                code=cond.code,
                zh=cond.zh,
                en=cond.en,
                source=cond.source,
                passed=outcome.passed,
                explanation_zh=outcome.zh,
                explanation_en=outcome.en,
                values=_json(outcome.values),
            )
        )
    return ExitEvaluation(
        rules.version, facts.as_of, facts.method, tuple(results), rules.parameters()
    )
