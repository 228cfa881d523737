"""The one entry point that moves a case: :func:`transition`.

It looks the move up in the table, checks the actor's role and region, the reason and the
evidence, runs the guards, applies the move (and its effects beyond the case, ``cases.effects``),
writes the case event and the audit row,
all in the caller's transaction. The case's version column makes the UPDATE conditional, so if
someone else moved the case since it was read, nothing changes and :class:`ConflictError` says
so; the caller's transaction must then be rolled back (``write_scope`` does that).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from bottomline import audit
from bottomline.cases.effects import EFFECTS
from bottomline.cases.enums import EliminationMethod, LeadStatus, Stage
from bottomline.cases.guards import GUARDS, Context
from bottomline.cases.models import Case, CaseEvent, CaseLead
from bottomline.cases.text import check_free_text
from bottomline.cases.transitions import Move, move_for, next_stages
from bottomline.errors import ConflictError, PermissionDenied, TransitionError
from bottomline.policy.resolve import PolicyIndex
from bottomline.screening.models import Lead
from bottomline.users.actor import Actor
from bottomline.workdays import today_in_china

CLOSING = frozenset({Stage.rejected, Stage.withdrawn, Stage.eliminated})


def transition(
    session: Session,
    case: Case,
    to: Stage | str,
    *,
    actor: Actor,
    reason: str | None = None,
    evidence: dict[str, Any] | None = None,
    on: dt.date | None = None,
    policies: PolicyIndex | None = None,
    expected_version: int | None = None,
) -> CaseEvent:
    """Move ``case`` to stage ``to`` as ``actor``; raise a domain error when not allowed.

    ``expected_version`` is the case version the decision was made on (shown to the user with
    the case); if the case has changed since, the move is refused with a ConflictError.
    """
    if expected_version is not None and expected_version != case.version:
        raise _conflict(case.id)
    source, target = Stage(case.stage), _stage(to)
    move = _legal_move(case, source, target)
    day = on or today_in_china()
    given = dict(evidence or {})
    _check_actor(move, case, actor)
    _check_inputs(move, case, reason, given, day)
    ctx = Context(session, case, move, actor, day, given, policies)
    _run_guards(ctx)
    before = _state(case)
    _apply(case, target, day, reason, given)
    _flush_or_conflict(session, case)
    effects = {name: EFFECTS[name](session, case, day) for name in move.effects}
    event = _event(case, move, actor, day, reason, {**given, **ctx.recorded})
    session.add(event)
    if target in CLOSING:
        _close_leads(session, case.id)
    change = _change(case, before, reason, event, effects)
    audit.record(session, change, actor=actor.name, role=actor.role.value)
    return event


def _stage(value: Stage | str) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        raise TransitionError(
            f"未知阶段 {value!r} / unknown stage {value!r}",
            hint=f"阶段 / stages: {', '.join(s.value for s in Stage)}",
        ) from None


def _legal_move(case: Case, source: Stage, target: Stage) -> Move:
    move = move_for(source, target)
    if move is None:
        allowed = ", ".join(f"{s.value} ({s.zh})" for s in next_stages(source)) or "无 / none"
        raise TransitionError(
            f"案件 {case.id} 处于“{source.zh}”，不能转入“{target.zh}” / "
            f"case {case.id} is at {source.value} ({source.zh}) and cannot move to "
            f"{target.value} ({target.zh})",
            hint=f"“{source.zh}”可转入 / from {source.value} it can move to: {allowed}",
        )
    return move


def _check_actor(move: Move, case: Case, actor: Actor) -> None:
    if actor.role not in move.roles:
        roles = ", ".join(f"{r.value} ({r.zh})" for r in sorted(move.roles))
        raise PermissionDenied(
            f"{actor} 无权把案件从“{move.source.zh}”转入“{move.target.zh}” / "
            f"{actor} may not move a case from {move.source.value} to {move.target.value}",
            hint=f"此步由以下用户办理 / this step is taken by: {roles}",
        )
    if not actor.covers(case.village_code):
        raise PermissionDenied(
            f"案件 {case.id}（村 {case.village_code}）不在 {actor} 的辖区内 / "
            f"case {case.id} (village {case.village_code}) is outside the region of {actor}",
            hint="只能办理本辖区的案件 / act on cases in your own region only",
        )


def _check_inputs(
    move: Move, case: Case, reason: str | None, given: dict[str, Any], day: dt.date
) -> None:
    if move.reason and not (reason and reason.strip()):
        raise TransitionError(
            f"转入“{move.target.zh}”须说明理由 / "
            f"moving to {move.target.value} ({move.target.zh}) needs a reason",
            hint="说明理由，例如“户主主动申请撤回” / say why, e.g. '户主主动申请撤回'",
            reason="case_needs_reason",
        )
    missing = [k for k in move.needs if given.get(k) in (None, "", [], ())]
    if missing:
        raise TransitionError(
            f"转入“{move.target.zh}”须提供证据 / "
            f"moving to {move.target.value} needs evidence: {', '.join(missing)}",
            hint="逐项给出所缺的证据 / give each missing piece of evidence",
            reason="case_needs_evidence",
        )
    if day > today_in_china():
        raise TransitionError(
            f"{day} 是将来的日期 / {day} is in the future",
            hint="给出办理这一步的日期 / give the day the step was taken",
        )
    if day < case.stage_since:
        raise TransitionError(
            f"{day} 早于案件进入当前阶段的日期（{case.stage_since}） / "
            f"{day} is before the case entered its current stage ({case.stage_since})",
            hint="各步按顺序记录，请给出更晚的日期 / steps are recorded in order; give a later day",
        )
    for text in (reason, *[v for v in given.values() if isinstance(v, str)]):
        check_free_text(text)


def _run_guards(ctx: Context) -> None:
    for name in ctx.move.guards:
        problem = GUARDS[name](ctx)
        if problem:
            raise TransitionError(
                f"案件 {ctx.case.id} 不能转入“{ctx.move.target.zh}” / "
                f"case {ctx.case.id} cannot move to {ctx.move.target.value} "
                f"({ctx.move.target.zh}): {problem}",
                reason=name,
            )


def _apply(
    case: Case, target: Stage, day: dt.date, reason: str | None, given: dict[str, Any]
) -> None:
    case.stage, case.stage_since, case.active = target.value, day, target.active
    if target is Stage.monitored:
        case.identified_on = day
        case.category = str(given["category"])
        case.risk_types = sorted(set(given["risk_types"]))
    elif target is Stage.emergency_assistance:
        case.assist_first = True
    elif target is Stage.elimination_proposed:
        case.elimination_method = EliminationMethod(given["method"]).value
    elif target is Stage.eliminated:
        case.eliminated_on = day
    elif target in (Stage.rejected, Stage.withdrawn):
        case.closed_reason = reason
    elif target is Stage.reverted:
        case.eliminated_on, case.elimination_method = None, None


def _flush_or_conflict(session: Session, case: Case) -> None:
    case_id = case.id  # read before the flush: a failed flush leaves the object unreadable
    try:
        session.flush()
    except StaleDataError:
        raise _conflict(case_id) from None


def _conflict(case_id: int) -> ConflictError:
    return ConflictError(
        f"案件 {case_id} 在您办理期间已被他人修改 / "
        f"case {case_id} was changed by someone else while you were deciding",
        hint="重新查看案件的当前阶段后再办理 / "
        "reload the case, check its current stage and decide again",
    )


def _event(
    case: Case, move: Move, actor: Actor, day: dt.date, reason: str | None, evidence: dict[str, Any]
) -> CaseEvent:
    return CaseEvent(
        case_id=case.id,
        occurred_on=day,
        from_stage=move.source.value,
        to_stage=move.target.value,
        actor=actor.name,
        role=actor.role.value,
        reason=reason,
        evidence=audit.jsonable(evidence),
    )


def _close_leads(session: Session, case_id: int) -> None:
    lead_ids = select(CaseLead.lead_id).where(CaseLead.case_id == case_id)
    session.execute(
        update(Lead)
        .where(Lead.id.in_(lead_ids), Lead.status == LeadStatus.open.value)
        .values(status=LeadStatus.closed.value)
        .execution_options(synchronize_session=False)
    )


def _state(case: Case) -> dict[str, Any]:
    return {
        "stage": case.stage,
        "version": case.version,
        "category": case.category,
        "risk_types": list(case.risk_types or []),
    }


def _change(
    case: Case,
    before: dict[str, Any],
    reason: str | None,
    event: CaseEvent,
    effects: dict[str, dict[str, Any]],
) -> audit.Change:
    """The audit row holds the evidence too, so the chain covers what each step rested on, and
    what the move's effects set (the registry's monitoring fields)."""
    return audit.Change(
        "case.transition",
        "case",
        case.id,
        region_code=case.village_code,
        before=before,
        after={**_state(case), "on": event.occurred_on, "evidence": event.evidence}
        | ({"effects": effects} if effects else {}),
        reason=reason,
    )
