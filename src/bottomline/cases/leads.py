"""Leads from every channel become cases: recorded, then merged per household.

A lead from a household's own declaration, a cadre's visit, an ODK submission, a department's
push or a look-back is stored as a ``Lead`` and taken in at once, with the statutory clock
started on the day it arrived. A screening lead is a clue: it waits in the county's queue until
a county or township user dispatches it (``cases.clues.actions``), which takes it in through
the same code with the clock started on the day of dispatch. Taking in merges a household's
leads into its active case, or opens one in stage ``lead``. A household whose last case ended
with the risk eliminated gets a new case marked as re-opened from it: after elimination, a new
sign of risk re-opens a lead.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.cases.enums import Channel, LeadStatus, Stage
from bottomline.cases.models import Case, CaseEvent, CaseLead
from bottomline.cases.procedure import Procedure, procedure_for
from bottomline.cases.text import check_free_text
from bottomline.db import chunks
from bottomline.errors import PermissionDenied, UserError
from bottomline.policy.resolve import PolicyIndex
from bottomline.regions import prefix
from bottomline.registry.access import access_household
from bottomline.registry.models import Household
from bottomline.screening.enums import CLUE_CHANNELS, MAX_RISK_TYPES, Category, RiskType
from bottomline.screening.models import Lead
from bottomline.users.actor import Actor
from bottomline.users.enums import Role
from bottomline.workdays import day_in_china, today_in_china

INTAKERS = frozenset({Role.system, Role.county, Role.township})
LEAD_COLUMNS = (
    Lead.id,
    Lead.household_id,
    Lead.channel,
    Lead.category,
    Lead.risk_types,
    Lead.reported_on,
    Lead.created_at,
)


class LeadLike(Protocol):
    """What intake reads of a lead: a ``Lead`` or a row of :data:`LEAD_COLUMNS`."""

    @property
    def id(self) -> int: ...
    @property
    def household_id(self) -> int: ...
    @property
    def channel(self) -> str: ...
    @property
    def category(self) -> str | None: ...
    @property
    def risk_types(self) -> list[str]: ...
    @property
    def reported_on(self) -> dt.date | None: ...
    @property
    def created_at(self) -> dt.datetime: ...


class Place(Protocol):
    """What opening a case reads of a household."""

    @property
    def id(self) -> int: ...
    @property
    def village_code(self) -> str: ...


REPORTERS = frozenset({Role.village, Role.township, Role.county, Role.system})
FirstDay = Callable[[Sequence[LeadLike]], dt.date]
"""The day a new case's clock starts, from the leads that open it."""


def arrival(leads: Sequence[LeadLike]) -> dt.date:
    """The clock of leads that go straight in starts on the day the first of them arrived."""
    return min(lead_day(lead) for lead in leads)


@dataclass(frozen=True, slots=True)
class NewLead:
    household_id: int
    channel: Channel
    reported_on: dt.date
    risk_types: tuple[RiskType, ...] = ()
    category: Category | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    source_ref: str | None = None  # e.g. an ODK instance id: the same ref is taken once


@dataclass(slots=True)
class Intake:
    leads: int = 0
    cases_opened: int = 0
    merged: int = 0  # leads added to a case already under way
    reopened: int = 0  # cases opened for households whose risk had been eliminated
    case_ids: list[int] = field(default_factory=list)
    case_of: dict[int, int] = field(default_factory=dict)  # household id -> its case id


def record_lead(
    session: Session, new: NewLead, *, actor: Actor, policies: PolicyIndex
) -> tuple[Lead, Case]:
    """Store one lead and take it in; returns the lead and the case it joined.

    Screening leads are clues and come from screening runs only (they wait for triage).
    """
    if new.channel.value in CLUE_CHANNELS:
        raise UserError(
            "筛查线索来自筛查运行，须先研判 / screening leads come from screening runs and are "
            "triaged as clues",
            hint="按线索的实际来源渠道报告 / report the lead through the channel it reached you by",
        )
    household = _household_in_scope(session, new.household_id, actor)
    _check_new_lead(new)
    lead = Lead(
        household_id=household.id,
        village_code=household.village_code,
        cycle=new.reported_on.strftime("%Y-%m"),
        channel=new.channel.value,
        category=new.category.value if new.category else None,
        risk_types=sorted({r.value for r in new.risk_types}),
        policy_ref=None,
        reported_on=new.reported_on,
        reported_by=actor.name,
        evidence=audit.jsonable(new.evidence),
        source_ref=new.source_ref,
    )
    session.add(lead)
    session.flush()
    case = _take_in(session, household, [lead], actor=actor, policies=policies, intake=Intake())
    return lead, case


def intake_leads(
    session: Session, *, actor: Actor, policies: PolicyIndex, scope_code: str | None = None
) -> Intake:
    """Take in every open lead of a channel that goes straight in and is not in a case yet
    (e.g. stored in bulk by a department push), household by household, each case's clock
    started on the day its first lead arrived. Screening clues are left to triage.

    Set-based (see :func:`take_in`); the intake writes one audit row with its counts and the
    cases it opened.
    """
    scope_code = scope_code or actor.region_code
    if actor.role not in INTAKERS or not actor.covers(scope_code):
        raise PermissionDenied(
            f"{actor} 不能接收 {scope_code} 的线索 / {actor} cannot take in leads for {scope_code}",
            hint="线索接收由系统、县级或乡镇用户在本辖区进行 / "
            "intake is run by the system, a county or a township user for their region",
        )
    intake = take_in(session, _pending(session, scope_code), actor=actor, policies=policies)
    if intake.leads:
        _audit_intake(session, intake, actor, scope_code)
    return intake


def take_in(
    session: Session,
    by_household: Mapping[int, Sequence[LeadLike]],
    *,
    actor: Actor,
    policies: PolicyIndex,
    first_day: FirstDay = arrival,
) -> Intake:
    """Merge each household's leads into its active case, or open one whose clock starts on
    ``first_day(leads)``; link every lead to its case. The caller writes the audit rows.

    Set-based (a county's dispatch may take thousands of leads): cases are opened with one bulk
    insert, their opening events and lead links with two more.
    """
    intake = Intake(leads=sum(len(leads) for leads in by_household.values()))
    if not by_household:
        return intake
    ids = list(by_household)
    active = _active_cases(session, ids)
    households = _households(session, [i for i in ids if i not in active])
    links: list[dict[str, int]] = []
    for household_id, case in active.items():
        _merge(case, by_household[household_id])
        intake.merged += len(by_household[household_id])
        links += [{"lead_id": lead.id, "case_id": case.id} for lead in by_household[household_id]]
    opened = _open_cases(
        session, households, by_household, actor=actor, policies=policies, first_day=first_day
    )
    for household_id, case_id in opened.items():
        links += [{"lead_id": lead.id, "case_id": case_id} for lead in by_household[household_id]]
    if links:
        session.execute(insert(CaseLead), links)
    intake.cases_opened = len(opened)
    intake.reopened = _reopened_count(session, list(opened.values()))
    intake.case_ids = sorted({*opened.values(), *(c.id for c in active.values())})
    intake.case_of = {**{h: c.id for h, c in active.items()}, **opened}
    session.flush()
    return intake


def _pending(session: Session, scope_code: str | None) -> dict[int, list[LeadLike]]:
    """Open leads of straight-in channels not in a case yet, by household: only the columns
    intake reads (many leads stay rows, not ORM objects)."""
    pending = select(*LEAD_COLUMNS).where(
        Lead.status == LeadStatus.open.value,
        Lead.channel.not_in(sorted(CLUE_CHANNELS)),
        ~Lead.id.in_(select(CaseLead.lead_id)),
    )
    if scope_code and prefix(scope_code):
        in_scope = select(Household.id).where(Household.village_code.startswith(prefix(scope_code)))
        pending = pending.where(Lead.household_id.in_(in_scope))
    by_household: dict[int, list[LeadLike]] = defaultdict(list)
    for lead in session.execute(pending.order_by(Lead.household_id, Lead.id)):
        by_household[lead.household_id].append(lead)
    return by_household


def _active_cases(session: Session, ids: list[int]) -> dict[int, Case]:
    found: dict[int, Case] = {}
    for chunk in chunks(ids):
        found.update(
            (c.household_id, c)
            for c in session.scalars(select(Case).where(Case.household_id.in_(chunk), Case.active))
        )
    return found


def _last_eliminated(session: Session, ids: list[int]) -> dict[int, int]:
    ended = (Stage.eliminated.value, Stage.post_exit_watch.value)
    found: dict[int, int] = {}
    for chunk in chunks(ids):
        rows = session.execute(
            select(Case.household_id, func.max(Case.id))
            .where(Case.household_id.in_(chunk), Case.stage.in_(ended))
            .group_by(Case.household_id)
        )
        found.update((hid, cid) for hid, cid in rows)
    return found


def _open_cases(
    session: Session,
    households: dict[int, Place],
    by_household: Mapping[int, Sequence[LeadLike]],
    *,
    actor: Actor,
    policies: PolicyIndex,
    first_day: FirstDay,
) -> dict[int, int]:
    """Open one case per household in one insert, its clock started on ``first_day(leads)``;
    household id -> case id."""
    if not households:
        return {}
    previous = _last_eliminated(session, list(households))
    procedures: dict[tuple[str, int], Procedure] = {}
    rows = []
    for household_id, household in households.items():
        leads = by_household[household_id]
        first = first_day(leads)
        key = (household.village_code, first.year)
        if key not in procedures:
            procedures[key] = procedure_for(policies, *key)
        rows.append(_case_row(household, leads, first, procedures[key], previous.get(household_id)))
    result = session.execute(insert(Case).returning(Case.id, Case.household_id), rows)
    opened = {household_id: case_id for case_id, household_id in result}
    session.execute(
        insert(CaseEvent),
        [
            _opening_event(opened[r["household_id"]], r, by_household[r["household_id"]], actor)
            for r in rows
        ],
    )
    return opened


def _case_row(
    household: Place,
    leads: Sequence[LeadLike],
    first: dt.date,
    procedure: Procedure,
    reopened_from: int | None,
) -> dict[str, Any]:
    deadline, provisional = procedure.deadline(first)
    return {
        "household_id": household.id,
        "village_code": household.village_code,
        "stage": Stage.lead.value,
        "active": True,
        "category": _suggested_category(leads),
        "risk_types": _merged_risks([], leads),
        "first_lead_on": first,
        "deadline_on": deadline,
        "deadline_provisional": provisional,
        "policy_ref": procedure.policy_ref,
        "notice_days": procedure.notice_days,
        "deadline_days": procedure.deadline_days,
        "day_count": procedure.day_count.value,
        "stage_since": first,
        "reopened_from_id": reopened_from,
        "version": 1,
    }


def _opening_event(
    case_id: int, row: dict[str, Any], leads: Sequence[LeadLike], actor: Actor
) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "occurred_on": row["first_lead_on"],
        "from_stage": None,
        "to_stage": Stage.lead.value,
        "actor": actor.name,
        "role": actor.role.value,
        "reason": None,
        "evidence": {"leads": [lead.id for lead in leads], "policy_ref": row["policy_ref"]},
    }


def _reopened_count(session: Session, case_ids: list[int]) -> int:
    count = 0
    for chunk in chunks(case_ids):
        count += (
            session.scalar(
                select(func.count())
                .select_from(Case)
                .where(Case.id.in_(chunk), Case.reopened_from_id.is_not(None))
            )
            or 0
        )
    return count


def _audit_intake(session: Session, intake: Intake, actor: Actor, scope_code: str | None) -> None:
    change = audit.Change(
        "case.intake",
        "intake",
        scope_code or "all",
        region_code=scope_code,
        after={
            "leads": intake.leads,
            "cases_opened": intake.cases_opened,
            "merged": intake.merged,
            "reopened": intake.reopened,
            "cases": intake.case_ids,
        },
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)


def _take_in(
    session: Session,
    household: Household,
    leads: list[Lead],
    *,
    actor: Actor,
    policies: PolicyIndex,
    intake: Intake,
) -> Case:
    intake.leads += len(leads)
    case = _active_case(session, household.id)
    if case is None:
        opened = _open_cases(
            session,
            {household.id: household},
            {household.id: leads},
            actor=actor,
            policies=policies,
            first_day=arrival,
        )
        case = session.get_one(Case, opened[household.id])
        intake.cases_opened += 1
        intake.reopened += case.reopened_from_id is not None
    else:
        _merge(case, leads)
        intake.merged += len(leads)
    session.add_all(CaseLead(lead_id=lead.id, case_id=case.id) for lead in leads)
    session.flush()
    intake.case_ids.append(case.id)
    change = audit.Change(
        "case.leads_taken_in",
        "case",
        case.id,
        region_code=case.village_code,
        after={"leads": [lead.id for lead in leads], "channels": _channels(leads)},
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)
    return case


def _merge(case: Case, leads: Sequence[LeadLike]) -> None:
    if Stage(case.stage).identification:
        case.risk_types = _merged_risks(case.risk_types, leads)
        case.category = case.category or _suggested_category(leads)
    # A lead dated before the case's first one (a paper report typed in late) does not move
    # the clock back: the deadline was set when the case opened.


def _merged_risks(current: list[str], leads: Sequence[LeadLike]) -> list[str]:
    """Suggested risk types (any number; the county decides 1 to 5 at approval)."""
    return sorted({*current, *(r for lead in leads for r in lead.risk_types)})


def _suggested_category(leads: Sequence[LeadLike]) -> str | None:
    return next((lead.category for lead in leads if lead.category), None)


def lead_day(lead: LeadLike) -> dt.date:
    """The day a lead reached us: as reported, else the day (in China) it was recorded."""
    if lead.reported_on is not None:
        return lead.reported_on
    return day_in_china(lead.created_at)


def _channels(leads: Sequence[LeadLike]) -> list[str]:
    return sorted({lead.channel for lead in leads})


def _active_case(session: Session, household_id: int) -> Case | None:
    return session.scalars(
        select(Case).where(Case.household_id == household_id, Case.active)
    ).one_or_none()


def _households(session: Session, ids: list[int]) -> dict[int, Place]:
    found: dict[int, Place] = {}
    for chunk in chunks(ids):
        rows = session.execute(
            select(Household.id, Household.village_code).where(Household.id.in_(chunk))
        )
        found.update((row.id, row) for row in rows)
    return found


def _household_in_scope(session: Session, household_id: int, actor: Actor) -> Household:
    if actor.role not in REPORTERS:
        raise PermissionDenied(
            f"{actor} 不能报告线索 / {actor} cannot report leads",
            hint="线索由村、乡镇、县级用户报告 / village, township and county users report leads",
        )
    return access_household(session, actor=actor, number=household_id)


def _check_new_lead(new: NewLead) -> None:
    if new.reported_on > today_in_china():
        raise UserError(
            f"{new.reported_on} 是将来的日期 / {new.reported_on} is in the future",
            hint="给出报告的日期 / give the day of the report",
        )
    if len(set(new.risk_types)) > MAX_RISK_TYPES:
        raise UserError(
            f"一条线索至多 {MAX_RISK_TYPES} 个风险类型 / a lead has at most {MAX_RISK_TYPES} risk types"
        )
    for value in new.evidence.values():
        if isinstance(value, str):
            check_free_text(value)
