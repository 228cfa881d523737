"""Plain-words reasons for hits, from a rule's evidence values (Chinese first, then English).

Reasons name amounts and counts only: never ID numbers, names, phones or diagnoses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bottomline.screening.rules import RULES_BY_ID

_DAMAGE = {0: "无", 1: "一般损坏", 2: "严重损坏", 3: "倒塌"}
_GRADE = {1: "A", 2: "B", 3: "C", 4: "D"}
_WORKER_EVENT = {
    1: ("死亡", "died"),
    2: ("因伤致残", "disabled by injury"),
    3: ("新办残疾人证", "newly certified disabled"),
}

TEMPLATES: dict[str, tuple[str, str]] = {
    "income.within_range": (
        "人均纯收入{pc_net_income:,.0f}元，低于监测范围{income_line:,.0f}元（{size:.0f}口人）",
        "per-capita net income {pc_net_income:,.0f} yuan, below the line of {income_line:,.0f} ({size:.0f} people)",
    ),
    "expenditure.rigid": (
        "刚性支出{rigid_expenditure:,.0f}元，扣除后人均{pc_after_rigid:,.0f}元，低于监测范围{income_line:,.0f}元",
        "rigid expenditure {rigid_expenditure:,.0f} yuan leaves {pc_after_rigid:,.0f} per person, below {income_line:,.0f}",
    ),
    "income.sharp_drop": (
        "人均纯收入由{prev_pc_net_income:,.0f}元降至{pc_net_income:,.0f}元（下降{drop_share:.0%}）",
        "per-capita net income fell from {prev_pc_net_income:,.0f} to {pc_net_income:,.0f} yuan ({drop_share:.0%})",
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
        "医保结算个人自付{self_pay_total:,.0f}元（{settlements:.0f}笔），超过预警线{threshold:,.0f}元",
        "out-of-pocket medical costs {self_pay_total:,.0f} yuan in {settlements:.0f} settlement(s), over {threshold:,.0f}",
    ),
    "dept.disaster": (
        "灾害直接经济损失{loss:,.0f}元（预警线{threshold:,.0f}元），房屋{damage}",
        "disaster loss {loss:,.0f} yuan (trigger {threshold:,.0f}), house damage rank {house_damage_rank:.0f}",
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
        "非义务教育自付费用{self_pay_total:,.0f}元，超过{threshold:,.0f}元",
        "non-compulsory school costs {self_pay_total:,.0f} yuan, over {threshold:,.0f}",
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


def _extras(rule_id: str, values: dict[str, float]) -> dict[str, object]:
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
    """Name a hit's evidence slots (v1, v2, v3) with the rule's evidence names."""
    names = RULES_BY_ID[rule_id].evidence_names
    return dict(zip(names, slots[: len(names)], strict=True))


def explain(rule_id: str, slots: Sequence[float | None], *, lang: str = "zh") -> str:
    values = {
        k: (v if v is not None else float("nan")) for k, v in evidence_dict(rule_id, slots).items()
    }
    zh, en = TEMPLATES[rule_id]
    return (zh if lang == "zh" else en).format(**values, **_extras(rule_id, values))


def explain_hit(rule_id: str, evidence: Mapping[str, float | None], *, lang: str = "zh") -> str:
    """The reason for a stored hit (``lead_hits.evidence``, named as ``evidence_dict`` names)."""
    names = RULES_BY_ID[rule_id].evidence_names
    return explain(rule_id, [evidence.get(name) for name in names], lang=lang)
