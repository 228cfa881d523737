"""``/clues/dispatch``, ``/clues/dismiss``, ``/clues/reopen``: triage of the clue queue.

The same decisions as ``bottomline clue dispatch|dismiss|reopen`` (``cases.clues.actions``):
county and township users, in their region, each request one transaction with one audit row
per clue; a clue outside the user's region answers like one that does not exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from bottomline.api.schemas import DismissIn, DispatchIn, ReopenIn, TriageOut, errors
from bottomline.api.security import current_actor, loaded_policies, transaction
from bottomline.users.actor import Actor

router = APIRouter(tags=["clues"])
ERRORS = errors(400, 401, 403, 404, 409, 422)


@router.post("/clues/dispatch", response_model=TriageOut, responses=ERRORS)
def clue_dispatch(
    decision: DispatchIn,
    request: Request,
    actor: Actor = Depends(current_actor),  # noqa: B008
) -> TriageOut:
    """派发核实 / Send clues for verification: cases open, their clocks start on the day."""
    from bottomline.cases.clues.actions import dispatch_clues

    policies = loaded_policies(request)
    with transaction(request, actor) as session:
        intake = dispatch_clues(
            session, decision.ids, actor=actor, policies=policies, on=decision.on
        )
        return TriageOut(
            clues=intake.leads,
            cases_opened=intake.cases_opened,
            merged=intake.merged,
            case_ids=sorted(set(intake.case_ids)),
        )


@router.post("/clues/dismiss", response_model=TriageOut, responses=ERRORS)
def clue_dismiss(
    decision: DismissIn,
    request: Request,
    actor: Actor = Depends(current_actor),  # noqa: B008
) -> TriageOut:
    """排除 / Dismiss clues with a reason: the same evidence is not raised again."""
    from bottomline.cases.clues.actions import dismiss_clues

    with transaction(request, actor) as session:
        done = dismiss_clues(
            session,
            decision.ids,
            actor=actor,
            code=decision.code,
            reason=decision.reason,
            on=decision.on,
        )
        return TriageOut(clues=done)


@router.post("/clues/reopen", response_model=TriageOut, responses=ERRORS)
def clue_reopen(
    decision: ReopenIn,
    request: Request,
    actor: Actor = Depends(current_actor),  # noqa: B008
) -> TriageOut:
    """撤销排除 / Make dismissed clues pending again, saying why."""
    from bottomline.cases.clues.actions import reopen_clues

    with transaction(request, actor) as session:
        done = reopen_clues(
            session, decision.ids, actor=actor, reason=decision.reason, on=decision.on
        )
        return TriageOut(clues=done)
