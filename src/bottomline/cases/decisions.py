"""Bulk decisions on cases: approve, reject or withdraw many at once, each case its own move.

Every case goes through :func:`cases.workflow.transition` (the one entry point) inside its own
savepoint: a case whose move is refused (wrong stage, a guard, the actor's role or region, a
concurrent change) is rolled back alone and reported with the reason, the others go on. Each
move writes its own case event and audit row, as a single move does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bottomline.cases.enums import Stage
from bottomline.cases.models import Case
from bottomline.cases.queries import access_case
from bottomline.cases.workflow import transition
from bottomline.errors import NotFound, UserError
from bottomline.policy.resolve import PolicyIndex
from bottomline.users.actor import Actor
from bottomline.users.scope import Scope

DECISIONS = (Stage.monitored, Stage.rejected, Stage.withdrawn)
"""The stages a bulk decision moves cases to: approve (纳入监测), reject, withdraw."""


@dataclass(frozen=True, slots=True)
class Decided:
    case_id: int
    moved: bool
    from_stage: str | None
    problem: str | None = None  # why the move was refused
    reason: str | None = None  # its code (BottomlineError.reason), when it has one


def decide_cases(
    session: Session,
    case_ids: Sequence[int],
    to: Stage,
    *,
    actor: Actor,
    reason: str | None = None,
    evidence: dict[str, Any] | None = None,
    on: dt.date | None = None,
    policies: PolicyIndex | None = None,
) -> list[Decided]:
    """Move each case to ``to``; approval takes each case's own suggested category and risk
    types unless ``evidence`` gives them. Returns one outcome per case, in order."""
    if to not in DECISIONS:
        raise UserError(
            f"批量决定只用于纳入、不予纳入和撤回 / bulk decisions move cases to "
            f"{', '.join(s.value for s in DECISIONS)}, not {to.value}",
            hint="转入其他阶段须逐件办理 / move a case to any other stage one at a time",
        )
    return [
        _decide(session, case_id, to, actor, reason, evidence or {}, on, policies)
        for case_id in dict.fromkeys(case_ids)
    ]


def cases_at(session: Session, *, scope: Scope, stage: Stage) -> list[int]:
    """Ids of the cases at ``stage`` in the scope."""
    return list(
        session.scalars(
            select(Case.id)
            .where(Case.stage == stage.value, scope.villages(Case.village_code))
            .order_by(Case.id)
        )
    )


def _decide(
    session: Session,
    case_id: int,
    to: Stage,
    actor: Actor,
    reason: str | None,
    evidence: dict[str, Any],
    on: dt.date | None,
    policies: PolicyIndex | None,
) -> Decided:
    try:
        case = access_case(session, case_id, actor)
    except NotFound as err:
        return Decided(case_id, False, None, err.message, err.reason)
    source = case.stage
    given = _approval_evidence(case, evidence) if to is Stage.monitored else evidence
    try:
        with session.begin_nested():
            transition(
                session, case, to, actor=actor, reason=reason, evidence=given, on=on,
                policies=policies,
            )  # fmt: skip
    except UserError as err:
        session.expire(case)
        return Decided(case_id, False, source, err.message, err.reason)
    return Decided(case_id, True, source)


def _approval_evidence(case: Case, evidence: dict[str, Any]) -> dict[str, Any]:
    return {
        "category": case.category,
        "risk_types": list(case.risk_types or []),
        **{k: v for k, v in evidence.items() if v not in (None, "", [], ())},
    }
