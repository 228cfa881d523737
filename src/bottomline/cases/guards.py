"""The checks a move may require (named in ``cases.transitions.MOVES``).

A guard looks at the case, the store and the policy and returns ``None`` when the move may go
ahead, or a message saying what is missing, in domain words. The refusal carries the guard's
name as its ``reason`` (``cases.workflow``), for a delivery layer to add how it supplies what is
missing (the CLI names its command). Guards may add to the move's evidence (``ctx.recorded``),
e.g. the exit rules' explanation per condition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bottomline.assistance.queries import active_measure_count
from bottomline.cases.enums import NoticeKind, Stage
from bottomline.cases.models import Case, Notice, NoticeCase, Objection, Visit
from bottomline.cases.transitions import Move
from bottomline.policy.resolve import PolicyIndex
from bottomline.screening.enums import MAX_RISK_TYPES, Category, RiskType
from bottomline.users.actor import Actor


@dataclass(slots=True)
class Context:
    session: Session
    case: Case
    move: Move
    actor: Actor
    on: dt.date
    evidence: dict[str, Any]
    policies: PolicyIndex | None
    recorded: dict[str, Any] = field(default_factory=dict)  # added to the event's evidence


Guard = Callable[[Context], str | None]


def home_visit_signed(ctx: Context) -> str | None:
    """A home visit since the first lead, with the signed authorization and pledge (授权承诺书)."""
    visit_id = ctx.session.scalar(
        select(Visit.id)
        .where(
            Visit.household_id == ctx.case.household_id,
            Visit.visit_date >= ctx.case.first_lead_on,
            Visit.authorization_signed,
        )
        .order_by(Visit.visit_date.desc())
        .limit(1)
    )
    if visit_id is None:
        return (
            f"自首条线索（{ctx.case.first_lead_on}）以来没有已签授权承诺书的入户核实记录，"
            "请记录已签授权的走访或导入 ODK 走访记录 / "
            "no home visit with the household's signed authorization and pledge is recorded "
            f"since the first lead on {ctx.case.first_lead_on}; record the signed visit or "
            "import the ODK submissions"
        )
    ctx.recorded["visit_id"] = visit_id
    return None


def on_notice(ctx: Context) -> str | None:
    """The case is on an open notice of the right kind (publish_notice makes this move)."""
    notice = _current_notice(ctx.session, ctx.case.id, _notice_kind(ctx.move.target))
    if notice is None or str(ctx.evidence.get("notice_id")) != str(notice.id):
        return (
            "案件只能通过发布公示进入公示 / "
            "a case goes on public notice only when its village's notice is published"
        )
    return None


def notice_over(ctx: Context) -> str | None:
    """The notice period (at least the policy's days) has ended."""
    notice = _current_notice(ctx.session, ctx.case.id, _notice_kind(ctx.move.source))
    if notice is None:
        return "该案件没有公示 / the case has no public notice"
    if ctx.on <= notice.ends_on:
        return (
            f"公示期至 {notice.ends_on}（公示 {notice.id}），次日起方可办理下一步 / "
            f"the public notice runs until {notice.ends_on} (notice {notice.id}); the next step "
            "can be taken from the day after"
        )
    ctx.recorded["notice_id"] = notice.id
    return None


def objections_resolved(ctx: Context) -> str | None:
    open_objections = ctx.session.scalar(
        select(func.count())
        .select_from(Objection)
        .where(Objection.case_id == ctx.case.id, Objection.resolved_on.is_(None))
    )
    if open_objections:
        return (
            f"该案件有 {open_objections} 条异议未处理，请先处理 / "
            f"{open_objections} objection(s) to this case are not resolved; resolve them first"
        )
    return None


def category_and_risks(ctx: Context) -> str | None:
    category = ctx.evidence.get("category")
    risks = ctx.evidence.get("risk_types")
    if category not in set(Category):
        return (
            f"监测类别应为 {', '.join(Category)} 之一，实为 {category!r} / "
            f"category must be one of {', '.join(Category)}, got {category!r}"
        )
    if not isinstance(risks, list | tuple) or not 1 <= len(set(risks)) <= MAX_RISK_TYPES:
        return f"须给出 1 至 {MAX_RISK_TYPES} 个风险类型 / give 1 to {MAX_RISK_TYPES} risk types"
    unknown = sorted(set(risks) - set(RiskType))
    if unknown:
        return (
            f"未知风险类型 {', '.join(unknown)}，可选 {', '.join(RiskType)} / "
            f"unknown risk type(s) {', '.join(unknown)}; known: {', '.join(RiskType)}"
        )
    return None


def has_measure(ctx: Context) -> str | None:
    if active_measure_count(ctx.session, ctx.case.household_id) == 0:
        return "该户尚无帮扶措施，请先添加 / the household has no assistance measure yet; add one first"
    return None


def exit_rules(ctx: Context) -> str | None:
    """The versioned exit rules all pass; their explanation goes into the evidence."""
    from bottomline.cases.elimination import evaluate_case

    evaluation = evaluate_case(
        ctx.session, ctx.case, on=ctx.on, policies=ctx.policies, method=_method(ctx)
    )
    ctx.recorded["exit_rules"] = evaluation.to_record()
    if evaluation.passed:
        return None
    failed_zh = "；".join(f"{r.code} {r.explanation_zh}" for r in evaluation.failed)
    failed = "; ".join(f"{r.code} {r.explanation_en}" for r in evaluation.failed)
    return (
        f"风险消除条件（{evaluation.version}）未全部满足：{failed_zh} / "
        f"the exit rules ({evaluation.version}) do not all pass: {failed}"
    )


def no_other_active_case(ctx: Context) -> str | None:
    other = ctx.session.scalar(
        select(Case.id).where(
            Case.household_id == ctx.case.household_id, Case.active, Case.id != ctx.case.id
        )
    )
    if other is not None:
        return (
            f"该户已有在办案件（案件 {other}），请继续办理该案件 / "
            f"the household has another case under way (case {other}); continue that one"
        )
    return None


GUARDS: dict[str, Guard] = {
    g.__name__: g
    for g in (
        home_visit_signed,
        on_notice,
        notice_over,
        objections_resolved,
        category_and_risks,
        has_measure,
        exit_rules,
        no_other_active_case,
    )
}


def _method(ctx: Context) -> str:
    return str(ctx.evidence.get("method") or ctx.case.elimination_method or "assisted")


def _notice_kind(stage: Stage) -> NoticeKind:
    if stage in (Stage.elimination_review, Stage.elimination_proposed, Stage.eliminated):
        return NoticeKind.elimination
    return NoticeKind.identification


def _current_notice(session: Session, case_id: int, kind: NoticeKind) -> Notice | None:
    return session.scalars(
        select(Notice)
        .join(NoticeCase, NoticeCase.notice_id == Notice.id)
        .where(NoticeCase.case_id == case_id, Notice.kind == kind.value)
        .order_by(Notice.starts_on.desc(), Notice.id.desc())
        .limit(1)
    ).one_or_none()
