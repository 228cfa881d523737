"""Plain-words reasons for hits, from a rule's evidence values (Chinese first, then English).

Reasons name amounts and counts only: never ID numbers, names, phones or diagnoses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from bottomline.screening.rules import EVIDENCE_SLOTS, RULES_BY_ID

_FEN = Decimal("0.01")

_DAMAGE = {0: "无", 1: "一般损坏", 2: "严重损坏", 3: "倒塌"}
_GRADE = {1: "A", 2: "B", 3: "C", 4: "D"}
_WORKER_EVENT = {
    1: ("死亡", "died"),
    2: ("因伤致残", "disabled by injury"),
    3: ("新办残疾人证", "newly certified disabled"),
}

TEMPLATES: dict[str, tuple[str, str]] = {
    "income.within_range": (
        "人均纯收入{pc_net_income}元，低于监测范围{income_line}元（{size:.0f}口人）",
        "per-capita net income {pc_net_income} yuan, below the line of {income_line} ({size:.0f} people)",
    ),
    "expenditure.rigid": (
        "人均纯收入{pc_net_income}元，扣除合规自付医疗支出{medical_spend}元（登记{registry_medical_oop}元、"
        "医保结算{feed_medical_self_pay}元，取较大者）和教育支出{education_oop}元后人均{pc_after_rigid}元，"
        "低于监测范围{income_line}元",
        "per-capita net income {pc_net_income} yuan less compliant out-of-pocket medical costs "
        "{medical_spend} (registry {registry_medical_oop}, medical insurance settlements "
        "{feed_medical_self_pay}, the larger counts) and education costs {education_oop} leaves "
        "{pc_after_rigid} per person, below {income_line}",
    ),
    "income.sharp_drop": (
        "人均纯收入由{prev_pc_net_income}元降至{pc_net_income}元（下降{drop_share}）",
        "per-capita net income fell from {prev_pc_net_income} to {pc_net_income} yuan (down {drop_share})",
    ),
    "guarantee.food_clothing": ("吃穿不愁存在问题", "food or clothing not secure"),
    "guarantee.housing": ("住房安全存在问题", "housing not safe"),
    "guarantee.compulsory_dropout": (
        "{dropouts:.0f}名义务教育阶段适龄儿童辍学",
        "{dropouts:.0f} child(ren) of compulsory-school age dropped out",
    ),
    "guarantee.water": ("饮水安全存在问题", "drinking water not secure"),
    "guarantee.medical_insurance": (
        "{uninsured_members:.0f}名成员未参加基本医疗保险",
        "{uninsured_members:.0f} member(s) without basic medical insurance",
    ),
    "dept.medical_bill": (
        "医保结算个人自付{self_pay_total}元（{settlements:.0f}笔），达到或超过预警线{threshold}元",
        "out-of-pocket medical costs {self_pay_total} yuan in {settlements:.0f} settlement(s), at or over {threshold}",
    ),
    "dept.disaster": (
        "灾害直接经济损失{loss}元（预警线{threshold}元），房屋{damage}",
        "disaster loss {loss} yuan (trigger {threshold}), house damage rank {house_damage_rank:.0f}",
    ),
    "dept.job_loss": (
        "主要劳动力本月失业或解除劳动合同",
        "the main earner lost their job this month",
    ),
    "dept.school_dropout": (
        "教育部门报告{reported_dropouts:.0f}名义务教育阶段学生辍学",
        "education department reports {reported_dropouts:.0f} compulsory-school dropout(s)",
    ),
    "dept.education_cost": (
        "非义务教育自付费用{self_pay_total}元，超过{threshold}元",
        "non-compulsory school costs {self_pay_total} yuan, over {threshold}",
    ),
    "dept.death_disability": ("劳动力{event_zh}", "a working member {event_en}"),
    "dept.new_assistance": (
        "本月新纳入{kind}（{members:.0f}人）",
        "newly granted {kind_en} this month ({members:.0f} people)",
    ),
    "dept.housing_appraisal": (
        "房屋安全鉴定为{grade}级危房",
        "house appraised grade {grade}",
    ),
    "dept.water": (
        "水利部门报告{reports:.0f}项饮水问题",
        "water department reports {reports:.0f} supply problem(s)",
    ),
}

# Evidence values that are yuan: shown exactly to the fen, rounded down, so a figure just under
# a line never reads as equal to it (8,699.99 against 8,700); whole amounts without decimals.
MONEY = frozenset(
    {
        "pc_net_income",
        "income_line",
        "pc_after_rigid",
        "registry_medical_oop",
        "feed_medical_self_pay",
        "medical_spend",
        "education_oop",
        "prev_pc_net_income",
        "self_pay_total",
        "threshold",
        "loss",
    }
)
# The keys a hit of an income rule adds to its evidence: where the income came from.
INCOME_KEYS = ("income_source", "income_year", "income_on")
_SOURCE = {
    "export": ("国家系统导出", "national system export"),
    "collection": ("年度收入采集", "yearly income collection"),
    "followup": ("收入跟踪", "income follow-up"),
    "edit": ("本地修改", "local edit"),
    "load": ("直接载入", "loaded into the store"),
}


def money(value: float | None) -> str:
    """Yuan to the fen, rounded down; whole amounts without decimals; negatives as they are."""
    if value is None or value != value:  # NaN: not known
        return "—"
    exact = Decimal(repr(float(value))).quantize(_FEN, rounding=ROUND_FLOOR)
    return f"{exact:,.0f}" if exact == exact.to_integral_value() else f"{exact:,.2f}"


def share(value: float | None) -> str:
    """A share to a tenth of a percent, rounded down (29.99 % never reads as 30 %)."""
    if value is None or value != value:
        return "—"
    exact = (Decimal(repr(float(value))) * 100).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)
    return f"{exact}%"


def _shown(key: str, value: object) -> object:
    if key in MONEY:
        return money(value)  # type: ignore[arg-type]
    if key == "drop_share":
        return share(value)  # type: ignore[arg-type]
    return value


def income_source_text(evidence: Mapping[str, object], *, lang: str = "zh") -> str:
    """Where an income rule's figure came from: export or collection year, or follow-up day."""
    source = evidence.get("income_source")
    if source is None:
        return ""
    zh, en = _SOURCE.get(str(source), (str(source), str(source)))
    if source == "followup":
        on = evidence.get("income_on")
        return f"{on}{zh}" if lang == "zh" else f"{en} of {on}"
    year = evidence.get("income_year")
    return f"{year}年{zh}" if lang == "zh" else f"{year} {en}"


def _extras(rule_id: str, values: Mapping[str, Any]) -> dict[str, object]:
    if rule_id == "dept.disaster":
        return {"damage": _DAMAGE.get(int(values.get("house_damage_rank") or 0), "")}
    if rule_id == "dept.death_disability":
        zh, en = _WORKER_EVENT.get(int(values["event"]), ("", ""))
        return {"event_zh": zh, "event_en": en}
    if rule_id == "dept.new_assistance":
        tekun = bool(values.get("new_tekun"))
        return {"kind": "特困供养" if tekun else "低保", "kind_en": "特困" if tekun else "低保"}
    if rule_id == "dept.housing_appraisal":
        return {"grade": _GRADE.get(int(values["grade_rank"]), "?")}
    return {}


def evidence_dict(rule_id: str, slots: Sequence[float | None]) -> dict[str, float | None]:
    """Name a hit's evidence slots (v1 … v6) with the rule's evidence names."""
    names = RULES_BY_ID[rule_id].evidence_names
    return dict(zip(names, slots[: len(names)], strict=True))


def hit_evidence(hit: Mapping[str, Any]) -> dict[str, Any]:
    """A hit row's evidence as ``lead_hits.evidence`` stores it: the named slots and, for an
    income rule, where the income came from (source, year, date as ISO text)."""
    rule_id = str(hit["rule_id"])
    slots = [hit.get(f"v{i + 1}") for i in range(EVIDENCE_SLOTS)]
    out: dict[str, Any] = dict(evidence_dict(rule_id, slots))
    if RULES_BY_ID[rule_id].reads_income:
        on = hit.get("income_on")
        out |= {
            "income_source": hit.get("income_source"),
            "income_year": hit.get("income_year"),
            "income_on": on.isoformat() if isinstance(on, dt.date) else on,
        }
    return out


def explain(
    rule_id: str,
    slots: Sequence[float | None],
    *,
    lang: str = "zh",
    income: Mapping[str, object] | None = None,
) -> str:
    named = evidence_dict(rule_id, slots)
    values: dict[str, object] = {
        k: (v if v is not None else float("nan")) for k, v in named.items()
    }
    if rule_id == "expenditure.rigid":
        values["medical_spend"] = max(
            float(named.get("registry_medical_oop") or 0.0),
            float(named.get("feed_medical_self_pay") or 0.0),
        )
    shown = {k: _shown(k, v) for k, v in values.items()}
    zh, en = TEMPLATES[rule_id]
    text = (zh if lang == "zh" else en).format(**shown, **_extras(rule_id, values))
    where = income_source_text(income or {}, lang=lang)
    if where:
        text += f"（数据来源：{where}）" if lang == "zh" else f" (source: {where})"
    return text


def explain_hit(rule_id: str, evidence: Mapping[str, Any], *, lang: str = "zh") -> str:
    """The reason for a stored hit (``lead_hits.evidence``, named as ``hit_evidence`` names)."""
    names = RULES_BY_ID[rule_id].evidence_names
    return explain(rule_id, [evidence.get(name) for name in names], lang=lang, income=evidence)
