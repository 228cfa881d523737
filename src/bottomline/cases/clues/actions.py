"""Triage of screening clues: dispatch for verification, or dismiss with a reason.

Each decision is taken by a county or township user in their region, in the caller's
transaction, with one audit row per clue (a bulk decision by filter is one transaction and as
many audit rows as clues: the log then reads per household and village like the cases'). A
dispatched clue is taken in through ``cases.leads.take_in`` — the household's case opens, or
the clue joins the case under way — with the statutory clock started on the day of dispatch.
A dismissed clue keeps the fingerprint of its evidence, so screening does not raise the
household again on the same evidence (``screening.fingerprint``). A dismissal taken in error
is undone by ``reopen_clues``: the clue is pending again, with the reason in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.cases.clues.queries import access_clues
from bottomline.cases.enums import DismissReason, LeadStatus
from bottomline.cases.leads import Intake, LeadLike, lead_day, take_in
from bottomline.cases.text import check_free_text
from bottomline.db import chunks
from bottomline.errors import PermissionDenied, UserError
from bottomline.policy.resolve import PolicyIndex
from bottomline.screening.enums import Triage
from bottomline.screening.fingerprint import Evidence, fingerprint
from bottomline.screening.models import Lead, LeadHit
from bottomline.users.actor import Actor
from bottomline.users.enums import Role
from bottomline.workdays import today_in_china

TRIAGERS = frozenset({Role.county, Role.township})


def dispatch_clues(
    session: Session,
    ids: Sequence[int],
    *,
    actor: Actor,
    policies: PolicyIndex,
    on: dt.date | None = None,
) -> Intake:
    """派发核实 / Send pending clues for verification: each household's case opens on ``on``
    (its clock starts that day) or the clue joins the household's case under way."""
    day = _check_decision(actor, on)
    clues = _pending(session, ids, actor, day)
    by_household: dict[int, list[LeadLike]] = defaultdict(list)
    for lead, _village in clues:
        by_household[lead.household_id].append(lead)
    intake = take_in(session, by_household, actor=actor, policies=policies, first_day=lambda _: day)
    for lead, village in clues:
        _decide(lead, Triage.dispatched, actor, day)
        case_id = intake.case_of[lead.household_id]
        _audit(session, lead, village, actor, {"case": case_id, "on": day}, None)
    session.flush()
    return intake


def dismiss_clues(
    session: Session,
    ids: Sequence[int],
    *,
    actor: Actor,
    code: DismissReason = DismissReason.other,
    reason: str | None = None,
    on: dt.date | None = None,
) -> int:
    """排除 / Dismiss pending clues with a reason; returns how many were dismissed."""
    day = _check_decision(actor, on)
    reason = (reason or "").strip() or None
    if code is DismissReason.other and reason is None:
        raise UserError(
            "排除线索须说明理由 / dismissing a clue needs a reason",
            hint="说明理由，或选一个常见理由 / say why, or choose one of the common reasons: "
            + ", ".join(f"{r.value} ({r.zh})" for r in DismissReason),
        )
    check_free_text(reason)
    clues = _pending(session, ids, actor, day)
    prints = _fingerprints(session, [lead.id for lead, _ in clues])
    for lead, village in clues:
        _decide(lead, Triage.dismissed, actor, day)
        lead.status = LeadStatus.dismissed.value
        lead.dismiss_code, lead.dismiss_reason = code.value, reason
        lead.evidence_fingerprint = prints[lead.id]
        after = {"on": day, "code": code.value, "fingerprint": prints[lead.id]}
        _audit(session, lead, village, actor, after, reason or code.zh)
    session.flush()
    return len(clues)


def reopen_clues(
    session: Session,
    ids: Sequence[int],
    *,
    actor: Actor,
    reason: str,
    on: dt.date | None = None,
) -> int:
    """撤销排除 / Undo the dismissal of clues: each is pending again (to be dispatched or
    dismissed anew) and screening no longer skips its evidence. Refused for a clue that is not
    dismissed, or whose household has another clue or lead open; returns how many."""
    day = _check_decision(actor, on)
    reason = reason.strip()
    if not reason:
        raise UserError(
            "撤销排除须说明理由 / undoing a dismissal needs a reason",
            hint="说明为何重新研判 / say why the clue is triaged again, e.g. the data was right",
        )
    check_free_text(reason)
    clues = access_clues(session, ids, actor)
    for lead, _village in clues:
        if lead.triage != Triage.dismissed.value:
            state = Triage(lead.triage).label if lead.triage else "—"
            raise UserError(
                f"线索 {lead.id} 未被排除 / clue {lead.id} is not dismissed: {state}",
                hint="只有已排除的线索可撤销排除 / only dismissed clues are reopened",
            )
    _refuse_open_leads(session, [lead for lead, _ in clues])
    for lead, village in clues:
        before = {
            "triage": lead.triage,
            "code": lead.dismiss_code,
            "reason": lead.dismiss_reason,
            "decided_by": lead.decided_by,
            "on": lead.decided_on,
            "fingerprint": lead.evidence_fingerprint,
        }
        lead.triage, lead.status = Triage.pending.value, LeadStatus.open.value
        lead.decided_by = lead.decided_on = None
        lead.dismiss_code = lead.dismiss_reason = lead.evidence_fingerprint = None
        change = audit.Change(
            "clue.reopened",
            "lead",
            lead.id,
            region_code=village,
            before=before,
            after={"triage": lead.triage, "household": lead.household_id, "on": day},
            reason=reason,
        )
        audit.record(session, change, actor=actor.name, role=actor.role.value)
    session.flush()
    return len(clues)


def _refuse_open_leads(session: Session, leads: list[Lead]) -> None:
    """A household has one open lead at a time: a reopened clue would double the one raised
    (or declared) since its dismissal, or another reopened with it."""
    households = [lead.household_id for lead in leads]
    seen: dict[int, int] = {}
    for lead in leads:
        if lead.household_id in seen:
            raise UserError(
                f"线索 {seen[lead.household_id]} 与 {lead.id} 属同一户 / clues "
                f"{seen[lead.household_id]} and {lead.id} are of the same household",
                hint="每户只撤销一条 / reopen one clue per household",
            )
        seen[lead.household_id] = lead.id
    for chunk in chunks(households):
        row = session.execute(
            select(Lead.id, Lead.household_id)
            .where(Lead.household_id.in_(chunk), Lead.status == LeadStatus.open.value)
            .limit(1)
        ).first()
        if row is not None:
            raise UserError(
                f"线索 {seen[row.household_id]} 所属户已有待办线索 {row.id} / the household of "
                f"clue {seen[row.household_id]} has lead {row.id} open",
                hint="研判那条线索即可 / triage that one instead",
                reason="lead_already_open",
            )


def _check_decision(actor: Actor, on: dt.date | None) -> dt.date:
    if actor.role not in TRIAGERS:
        raise PermissionDenied(
            f"{actor} 不能研判线索 / cannot triage clues",
            hint="线索由县级或乡镇用户派发或排除 / "
            "clues are dispatched or dismissed by a county or township user",
        )
    day = on or today_in_china()
    if day > today_in_china():
        raise UserError(
            f"{day} 是将来的日期 / {day} is in the future",
            hint="给出研判的日期 / give the day decided",
        )
    return day


def _pending(
    session: Session, ids: Sequence[int], actor: Actor, day: dt.date
) -> list[tuple[Lead, str]]:
    clues = access_clues(session, ids, actor)
    decided = [lead for lead, _ in clues if lead.triage != Triage.pending.value]
    if decided:
        lead = decided[0]
        state = Triage(lead.triage).label if lead.triage else "—"
        raise UserError(
            f"线索 {lead.id} 已研判 / clue {lead.id} was already triaged: {state}"
            + (f" ({lead.decided_by}, {lead.decided_on})" if lead.decided_by else ""),
            hint=f"只有待研判的线索可派发或排除；所给 {len(clues)} 条中 {len(decided)} 条不是待研判 / "
            "only pending clues are dispatched or dismissed; "
            f"{len(decided)} of the {len(clues)} given are not pending",
        )
    early = [lead for lead, _ in clues if lead_day(lead) > day]
    if early:
        raise UserError(
            f"线索 {early[0].id} 在 {lead_day(early[0])} 才产生 / clue {early[0].id} came in on "
            f"{lead_day(early[0])}, after {day}",
            hint="线索在产生当日或之后研判 / a clue is triaged on or after the day it came in",
        )
    return clues


def _decide(lead: Lead, triage: Triage, actor: Actor, day: dt.date) -> None:
    lead.triage, lead.decided_by, lead.decided_on = triage.value, actor.name, day


def _fingerprints(session: Session, lead_ids: list[int]) -> dict[int, str]:
    hits: dict[int, list[tuple[str, Evidence]]] = defaultdict(list)
    for chunk in chunks(lead_ids):
        rows = session.execute(
            select(LeadHit.lead_id, LeadHit.rule_id, LeadHit.evidence).where(
                LeadHit.lead_id.in_(chunk)
            )
        )
        for lead_id, rule_id, evidence in rows:
            hits[lead_id].append((rule_id, evidence))
    return {lead_id: fingerprint(hits[lead_id]) for lead_id in lead_ids}


def _audit(
    session: Session,
    lead: Lead,
    village: str,
    actor: Actor,
    after: dict[str, object],
    reason: str | None,
) -> None:
    change = audit.Change(
        f"clue.{lead.triage}",
        "lead",
        lead.id,
        region_code=village,
        before={"triage": Triage.pending.value},
        after={"triage": lead.triage, "household": lead.household_id, **after},
        reason=reason,
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)
