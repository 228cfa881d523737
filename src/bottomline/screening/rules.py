"""Screening rules: pure, declarative, versioned objects.

A rule names the view it reads (``household`` or a feed view, see ``views.py``), a condition,
up to six evidence values and the risk type it suggests — all as Ibis deferred expressions,
so a rule is data that the engine compiles for DuckDB or Spark. Thresholds are never
constants here: they are columns of the policy joined into every view (``_.income_line``).

Change a rule's meaning → bump its ``version``; every hit records rule id and version, and the
policy ref it was judged under. docs/rules.md documents each rule with its policy source.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
from ibis import _

EVIDENCE_SLOTS = 6


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    version: int
    view: str
    when: ibis.Deferred
    evidence: tuple[tuple[str, ibis.Deferred | ir.Value], ...]
    risk: ibis.Deferred | str
    zh: str
    en: str
    source: str
    switch: str | None = None  # a boolean policy key that must be true for the rule to run
    reads_income: bool = False  # the hit's evidence names the income's source, year or date

    @property
    def evidence_names(self) -> tuple[str, ...]:
        return tuple(name for name, _expr in self.evidence)


def _disaster_risk() -> ibis.Deferred:
    return ibis.cases(
        *((_.disaster_type == t, f"disaster_{t}") for t in _DISASTER_TYPES),
        else_="disaster_other",
    )


_DISASTER_TYPES = ("flood", "drought", "biological", "meteorological", "earthquake")

# Extra conditions on rigid expenditure, each only where a policy document sets it (a null key
# is "not set"); with none set, the 2024 national wording alone decides (docs/rules.md).
_RIGID_SET = (
    _.rigid_absolute.notnull() | _.rigid_income_share.notnull() | _.rigid_disposable_share.notnull()
)
_RIGID_OVER = (
    (_.rigid_absolute.notnull() & (_.rigid > _.rigid_absolute))
    | (_.rigid_income_share.notnull() & (_.rigid > _.rigid_income_share * _.net))
    | (
        _.rigid_disposable_share.notnull()
        & (_.rigid > _.rigid_disposable_share * _.prior_disposable_income)
    )
)
_RIGID_EXTRA = (~_RIGID_SET) | _RIGID_OVER

# The larger compliant cost names the risk; equal costs (never both zero: the rule needs rigid
# expenditure) go to illness.
_RIGID_RISK = (_.medical_spend >= _.education_oop).ifelse("illness", "schooling")

RULES: tuple[Rule, ...] = (
    Rule(
        "income.within_range",
        2,
        "household",
        when=_.in_range,
        evidence=(("pc_net_income", _.pc), ("income_line", _.income_line), ("size", _.size)),
        risk=_.cause,
        zh="人均纯收入低于监测范围",
        en="per-capita net income below the monitoring line",
        source="S1, S5 (2021 national floor; provinces set the line yearly)",
        reads_income=True,
    ),
    Rule(
        "expenditure.rigid",
        2,
        "household",
        when=_.has_income & (_.rigid > 0) & (_.pc_after_rigid < _.income_line) & _RIGID_EXTRA,
        evidence=(
            ("pc_net_income", _.pc),
            ("registry_medical_oop", _.medical_oop),
            ("feed_medical_self_pay", _.feed_medical_self_pay),
            ("education_oop", _.education_oop),
            ("pc_after_rigid", _.pc_after_rigid),
            ("income_line", _.income_line),
        ),
        risk=_RIGID_RISK,
        zh="扣除合规自付支出后人均收入低于监测范围",
        en="per-capita income after compliant out-of-pocket costs below the line",
        source="S5 (2024 national wording: income after deducting compliant out-of-pocket "
        "spending, per person, below the range); extra share or amount only where a policy "
        "document sets it (S3, S23, S44)",
        reads_income=True,
    ),
    Rule(
        "income.sharp_drop",
        2,
        "household",
        when=(
            _.has_income
            & (_.prev_pc > 0)
            & ((_.prev_pc - _.pc) >= _.drop_share * _.prev_pc)
            & (_.pc < _.drop_watch_multiple * _.income_line)
        ),
        evidence=(
            ("prev_pc_net_income", _.prev_pc),
            ("pc_net_income", _.pc),
            ("drop_share", (_.prev_pc - _.pc) / _.prev_pc),
        ),
        risk=_.cause,
        zh="收入大幅骤减",
        en="sharp fall in per-capita net income",
        source="S5, S20, S23 (sharp income fall from illness, disaster or accident)",
        reads_income=True,
    ),
    Rule(
        "guarantee.food_clothing",
        2,
        "household",
        when=_.food_clothing_insecure,
        evidence=(("food_clothing_insecure", ibis.literal(1.0)),),
        risk=_.cause,
        zh="吃穿不愁存在问题",
        en="food or clothing not secure",
        source="S1, S5 (两不愁三保障)",
    ),
    Rule(
        "guarantee.housing",
        1,
        "household",
        when=_.housing_unsafe,
        evidence=(("housing_unsafe", ibis.literal(1.0)),),
        risk="housing",
        zh="住房安全存在问题",
        en="housing not safe",
        source="S1, S5, S46 (三保障: housing safety)",
    ),
    Rule(
        "guarantee.compulsory_dropout",
        1,
        "household",
        when=_.dropouts > 0,
        evidence=(("dropouts", _.dropouts),),
        risk="schooling",
        zh="有义务教育阶段辍学",
        en="a child of compulsory-school age has dropped out",
        source="S46 (三保障: compulsory education)",
    ),
    Rule(
        "guarantee.water",
        1,
        "household",
        when=_.water_unsafe,
        evidence=(("water_unsafe", ibis.literal(1.0)),),
        risk="drinking_water",
        zh="饮水安全存在问题",
        en="drinking water not secure",
        source="S1, S5, S46 (drinking-water safety)",
    ),
    Rule(
        "guarantee.medical_insurance",
        2,
        "household",
        when=_.uninsured > 0,
        evidence=(("uninsured_members", _.uninsured),),
        risk="illness",
        zh="有成员未参加基本医疗保险",
        en="a member without basic medical insurance",
        source="S46 (三保障 item of the household form, §2/§12); a monitoring trigger only where "
        "a policy document says so (§1, §6 list income and risks, not enrolment); otherwise an "
        "enrolment task for the medical insurance department (quality rule Q403)",
        switch="trig_uninsured",
    ),
    Rule(
        "dept.medical_bill",
        2,  # 2: only the settlements the policy counts (1: every settlement)
        "medical",
        when=_.self_pay_total >= _.formerly_poor.ifelse(_.medical_formerly_poor, _.medical_other),
        evidence=(
            ("self_pay_total", _.self_pay_total),
            ("threshold", _.formerly_poor.ifelse(_.medical_formerly_poor, _.medical_other)),
            ("settlements", _.settlements),
        ),
        risk="illness",
        zh="医疗个人自付费用超过预警线",
        en="large out-of-pocket medical bill",
        source="S26, S27, S29 (医保 push: personal burden after 三重保障); the settlements the "
        "policy counts (triggers.medical.count_*: S29's are stays; S26 counts every settlement)",
    ),
    Rule(
        "dept.disaster",
        1,
        "disaster",
        when=(_.disaster_loss_total >= _.disaster_loss)
        | (_.damage_rank >= _.disaster_min_damage_rank),
        evidence=(
            ("loss", _.disaster_loss_total),
            ("threshold", _.disaster_loss),
            ("house_damage_rank", _.damage_rank),
        ),
        risk=_disaster_risk(),
        zh="受灾损失严重",
        en="serious disaster loss",
        source="S29 (应急: disaster-affected households), S34",
    ),
    Rule(
        "dept.job_loss",
        1,
        "job_loss",
        when=_.main_earner_id.notnull(),
        evidence=(("member_id", _.main_earner_id),),
        risk="unstable_employment",
        zh="主要劳动力失业",
        en="the main earner lost their job",
        source="S30, S31 (人社 push), S49 (unstable migrant-work income)",
        switch="trig_job_loss",
    ),
    Rule(
        "dept.school_dropout",
        1,
        "school_dropout",
        when=_.reported_dropouts > 0,
        evidence=(("reported_dropouts", _.reported_dropouts),),
        risk="schooling",
        zh="教育部门报告义务教育辍学",
        en="education department reports a compulsory-school dropout",
        source="S29, S31 (教育: suspected dropouts)",
        switch="trig_school_dropout",
    ),
    Rule(
        "dept.education_cost",
        1,
        "education_cost",
        when=_.education_self_pay_total > _.education_self_pay,
        evidence=(
            ("self_pay_total", _.education_self_pay_total),
            ("threshold", _.education_self_pay),
        ),
        risk="schooling",
        zh="非义务教育自付费用过高",
        en="high non-compulsory school costs",
        source="S29 (education self-paid costs after subsidies > 10,000 yuan)",
    ),
    Rule(
        "dept.death_disability",
        1,
        "death_disability",
        when=_.worker_event.notnull(),
        evidence=(("event", _.worker_event), ("member_id", _.affected_worker_id)),
        risk=(_.worker_event == 1).ifelse("accident", "disability"),
        zh="劳动力死亡或致残",
        en="death or disability of a working member",
        source="S31 (公安: injury, disability or death of a key worker), S30 (残联)",
        switch="trig_death_disability",
    ),
    Rule(
        "dept.new_assistance",
        2,
        "civil_affairs",
        when=_.new_assistance_members > 0,
        evidence=(
            ("new_tekun", _.new_tekun.cast("float64")),
            ("members", _.new_assistance_members),
        ),
        risk=_.cause,
        zh="新纳入低保或特困",
        en="newly granted 低保 or 特困",
        source="S31 (民政: new 低保 or 特困 cases monthly), S44",
        switch="trig_new_assistance",
    ),
    Rule(
        "dept.housing_appraisal",
        1,
        "housing",
        when=_.grade_rank >= _.housing_min_grade_rank,
        evidence=(("grade_rank", _.grade_rank),),
        risk="housing",
        zh="房屋安全鉴定为危房",
        en="house appraised unsafe (grade C or D)",
        source="S20, S23 (only house unsafe), S46",
    ),
    Rule(
        "dept.water",
        1,
        "water",
        when=_.water_reports > 0,
        evidence=(("reports", _.water_reports),),
        risk="drinking_water",
        zh="水利部门报告饮水问题",
        en="water department reports a supply problem",
        source="S20, S23 (water cut >1 month, bad quality, too far)",
        switch="trig_water",
    ),
)

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


def _resolve(expr: ibis.Deferred | ir.Value, table: ir.Table) -> ir.Value:
    return expr.resolve(table) if isinstance(expr, ibis.Deferred) else expr


def compile_rule(rule: Rule, view: ir.Table) -> ir.Table:
    """The rule's hits as rows of a uniform schema, ready to be unioned with other rules."""
    cond = _resolve(rule.when, view)
    if rule.switch is not None:
        cond = cond & view[rule.switch].fill_null(False)
    hits = view.filter(cond.fill_null(False))
    slots = {
        f"v{i + 1}": (
            _resolve(rule.evidence[i][1], hits).cast("float64")
            if i < len(rule.evidence)
            else ibis.null("float64")
        )
        for i in range(EVIDENCE_SLOTS)
    }
    risk = ibis.literal(rule.risk) if isinstance(rule.risk, str) else _resolve(rule.risk, hits)
    return hits.select(
        "household_id",
        "village_code",
        "formerly_poor",
        "in_range",
        "pc",
        "policy_ref",
        "income_source",
        "income_year",
        "income_on",
        rule_id=ibis.literal(rule.id),
        rule_version=ibis.literal(rule.version, "int32"),
        risk_type=risk.cast("string"),
        **slots,
    )
