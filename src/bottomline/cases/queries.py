"""Reads of cases: the lead queue, pipeline counts per stage and region, one case in full."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bottomline import regions
from bottomline.assistance.checks import PlannedMeasure, PlanWarning, plan_warnings
from bottomline.assistance.enums import MeasureStatus
from bottomline.assistance.models import HelperAssignment, IncomeFollowUp, Measure
from bottomline.assistance.queries import followups_of, helpers_of, measures_of
from bottomline.cases.clock import Clock, clock_of
from bottomline.cases.enums import Stage
from bottomline.cases.models import Case, CaseEvent, CaseLead, Notice, NoticeCase, Objection, Visit
from bottomline.db import chunks, storable_id
from bottomline.errors import NotFound
from bottomline.registry.access import access_household
from bottomline.registry.enums import LabourCapacity
from bottomline.registry.models import Household, Member
from bottomline.screening.enums import RiskType
from bottomline.screening.explain import explain_hit
from bottomline.screening.models import Lead, LeadHit
from bottomline.users.actor import Actor
from bottomline.users.scope import CountScope, Scope


def access_case(session: Session, case_id: int, actor: Actor) -> Case:
    """The case, if it exists and lies in the actor's region (the only way to read one); an
    absent case and one outside the region answer alike."""
    case = session.get(Case, case_id) if storable_id(case_id) else None
    if case is None or not actor.covers(case.village_code):
        raise NotFound(
            f"你的辖区内没有案件 {case_id} / no case {case_id} in your region",
            hint="查看辖区内的案件列表 / list the cases of your region",
        )
    return case


def pipeline(
    session: Session, scope: Scope | CountScope, *, level: str = "township"
) -> dict[str, dict[str, int]]:
    """Cases per region (at ``level``) and stage: {region code: {stage: count}}."""
    region = func.substr(Case.village_code, 1, regions.LEVEL_DIGITS[level])
    rows = session.execute(
        select(region, Case.stage, func.count())
        .where(scope.villages(Case.village_code))
        .group_by(region, Case.stage)
    )
    table: dict[str, dict[str, int]] = defaultdict(dict)
    for code, stage, count in rows:
        table[regions.padded(str(code))][stage] = int(count)
    return dict(sorted(table.items()))


@dataclass(slots=True)
class QueuedCase:
    case: Case
    household_no: str
    leads: list[Lead] = field(default_factory=list)

    @property
    def channels(self) -> list[str]:
        return sorted({lead.channel for lead in self.leads})


def lead_queue(session: Session, scope: Scope) -> list[QueuedCase]:
    """Cases waiting at ``lead`` in the region, oldest first, with every lead behind each."""
    cases = list(
        session.scalars(
            select(Case)
            .where(
                Case.stage == Stage.lead.value,
                scope.villages(Case.village_code),
            )
            .order_by(Case.first_lead_on, Case.id)
        )
    )
    numbers = _household_numbers(session, [c.household_id for c in cases])
    queued = {c.id: QueuedCase(c, numbers.get(c.household_id, "")) for c in cases}
    for case_id, lead in _leads_of(session, list(queued)):
        queued[case_id].leads.append(lead)
    return list(queued.values())


def _leads_of(session: Session, case_ids: list[int]) -> list[tuple[int, Lead]]:
    found: list[tuple[int, Lead]] = []
    for chunk in chunks(case_ids):
        rows = session.execute(
            select(CaseLead.case_id, Lead)
            .join(Lead, Lead.id == CaseLead.lead_id)
            .where(CaseLead.case_id.in_(chunk))
            .order_by(Lead.id)
        )
        found += [(case_id, lead) for case_id, lead in rows]
    return found


def _household_numbers(session: Session, ids: list[int]) -> dict[int, str]:
    numbers: dict[int, str] = {}
    for chunk in chunks(ids):
        rows = session.execute(
            select(Household.id, Household.household_no).where(Household.id.in_(chunk))
        )
        numbers.update((household_id, number) for household_id, number in rows)
    return numbers


def cases_in(
    session: Session, scope: Scope, *, stage: Stage | None = None, limit: int = 200
) -> list[Case]:
    query = select(Case).where(scope.villages(Case.village_code))
    if stage is not None:
        query = query.where(Case.stage == stage.value)
    return list(session.scalars(query.order_by(Case.id).limit(limit)))


def case_by_household_no(session: Session, household_no: str) -> Case | None:
    """The household's active case, or else its latest one."""
    return session.scalars(
        select(Case)
        .join(Household, Household.id == Case.household_id)
        .where(Household.household_no == household_no)
        .order_by(Case.active.desc(), Case.id.desc())
        .limit(1)
    ).first()


def cases_of(session: Session, household_id: int) -> list[Case]:
    """Every case of the household, the newest first."""
    stmt = select(Case).where(Case.household_id == household_id).order_by(Case.id.desc())
    return list(session.scalars(stmt))


def household_id_for(
    session: Session, household_no: str, actor: Actor, *, removed: bool = False
) -> int:
    """The internal id of the household with 户编号 ``household_no`` in the actor's region
    (``removed``: also one a registry import removed, ``registry.access``)."""
    return access_household(session, actor=actor, number=household_no, removed=removed).id


@dataclass(slots=True)
class CaseFile:
    """Everything about one case, for display (personal data stays masked by the caller)."""

    case: Case
    household: Household
    clock: Clock
    events: list[CaseEvent]
    leads: list[Lead]
    visits: list[Visit]
    notices: list[Notice]
    objections: list[Objection]
    measures: list[Measure]
    helpers: list[HelperAssignment]
    followups: list[IncomeFollowUp]
    warnings: list[PlanWarning]
    reasons: dict[int, list[str]]  # lead id -> screening hits in plain words (zh)


def case_file(session: Session, case: Case, today: dt.date) -> CaseFile:
    household = session.get_one(Household, case.household_id)
    measures = measures_of(session, case.household_id)
    leads = [lead for _, lead in _leads_of(session, [case.id])]
    return CaseFile(
        case=case,
        household=household,
        clock=clock_of(case, today),
        events=_all(
            session, select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        ),
        leads=leads,
        visits=_all(
            session,
            select(Visit).where(Visit.household_id == case.household_id).order_by(Visit.visit_date),
        ),
        notices=_all(
            session,
            select(Notice)
            .join(NoticeCase, NoticeCase.notice_id == Notice.id)
            .where(NoticeCase.case_id == case.id)
            .order_by(Notice.starts_on),
        ),
        objections=_all(session, select(Objection).where(Objection.case_id == case.id)),
        measures=measures,
        helpers=helpers_of(session, case.household_id),
        followups=followups_of(session, case.household_id),
        warnings=warnings_for(session, case, measures),
        reasons=lead_reasons(session, [lead.id for lead in leads]),
    )


def lead_reasons(session: Session, lead_ids: list[int]) -> dict[int, list[str]]:
    """The rule hits behind screening leads, each in plain words (Chinese)."""
    reasons: dict[int, list[str]] = defaultdict(list)
    for chunk in chunks(lead_ids):
        hits = session.scalars(
            select(LeadHit).where(LeadHit.lead_id.in_(chunk)).order_by(LeadHit.id)
        )
        for hit in hits:
            reasons[hit.lead_id].append(explain_hit(hit.rule_id, hit.evidence))
    return dict(reasons)


def warnings_for(session: Session, case: Case, measures: list[Measure]) -> list[PlanWarning]:
    """Plan warnings, once the case is monitored (before that there is no plan to judge)."""
    if case.identified_on is None and not case.assist_first:
        return []
    planned = [PlannedMeasure(m.measure_type, MeasureStatus(m.status)) for m in measures]
    return plan_warnings(
        risk_types=[RiskType(r) for r in case.risk_types],
        measures=planned,
        household_can_work=_can_work(session, case.household_id),
    )


def _can_work(session: Session, household_id: int) -> bool:
    working = [c.value for c in LabourCapacity if c.can_work]
    return bool(
        session.scalar(
            select(func.count())
            .select_from(Member)
            .where(
                Member.household_id == household_id,
                Member.removed_at.is_(None),
                Member.labour_capacity.in_(working),
            )
        )
    )


def _all(session: Session, query: Any) -> list[Any]:
    return list(session.scalars(query))
