"""Look-back campaigns (回头看): re-screen a chosen population and verify every household.

A campaign takes a population in a region — households whose risk was eliminated since a day,
or households monitored now — re-screens each (open risk leads raised since, and for eliminated
households the exit rules evaluated again as of the campaign day) and creates one verification
task per household, flagged when the re-screen found a sign of risk. Cadres complete tasks after
a visit; a task completed with "risk found" raises a look-back lead, which re-opens the
household's case. Progress is counted per township or village.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bottomline import audit, regions
from bottomline.cases.elimination import evaluate_case
from bottomline.cases.enums import Channel, LeadStatus, Stage, TaskResult, TaskStatus
from bottomline.cases.leads import NewLead, lead_day, record_lead
from bottomline.cases.models import Campaign, CampaignTask, Case
from bottomline.cases.text import check_free_text
from bottomline.db import storable_id
from bottomline.errors import NotFound, PermissionDenied, UserError
from bottomline.labels import LabelledEnum
from bottomline.policy.resolve import PolicyIndex
from bottomline.registry.models import Household
from bottomline.screening.models import Lead
from bottomline.users.actor import Actor
from bottomline.users.enums import Role
from bottomline.users.scope import Scope
from bottomline.workdays import today_in_china

ORGANISERS = frozenset({Role.county, Role.city, Role.province})
MONITORED = (
    Stage.monitored,
    Stage.assisting,
    Stage.elimination_proposed,
    Stage.elimination_review,
    Stage.reverted,
)
ELIMINATED = (Stage.eliminated, Stage.post_exit_watch)


class Population(LabelledEnum):
    eliminated = ("eliminated", "已消除风险户", "households whose risk was eliminated since a day")
    monitored = ("monitored", "未消除风险的监测户", "households monitored now")


@dataclass(frozen=True, slots=True)
class Progress:
    region_code: str
    tasks: int
    done: int
    flagged: int
    risk_found: int

    @property
    def share_done(self) -> float:
        return self.done / self.tasks if self.tasks else 0.0


def create_campaign(
    session: Session,
    *,
    scope: Scope,
    name: str,
    population: Population,
    since: dt.date | None,
    policies: PolicyIndex,
    on: dt.date | None = None,
) -> Campaign:
    """Create the campaign and its tasks; each task carries what the re-screen found."""
    day = on or today_in_china()
    actor, scope_code = scope.actor, scope.region_code
    _check_organiser(actor)
    if population is Population.eliminated and since is None:
        raise UserError(
            "回头看已消除风险的户须说明自何日起 / "
            "a look-back at eliminated households needs the day it looks back from",
            hint="给出起始日期，例如 2025-11-01（当日或之后消除风险的户） / "
            "give the first day, e.g. 2025-11-01 (households eliminated on or after it)",
            reason="campaign_needs_since",
        )
    cases = _population(session, scope, population, since)
    campaign = Campaign(
        name=name,
        scope_code=scope_code,
        population=population.value,
        since=since,
        created_on=day,
        created_by=actor.name,
    )
    session.add(campaign)
    session.flush()
    flagged = 0
    for case in cases:
        findings = _rescreen(session, case, day, policies)
        flagged += bool(findings)
        session.add(_task(campaign.id, case, findings))
    campaign.summary = {"tasks": len(cases), "flagged": flagged}
    session.flush()
    change = audit.Change(
        "campaign.create",
        "campaign",
        campaign.id,
        region_code=scope_code,
        after={"name": name, "population": population.value, "since": since, **campaign.summary},
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)
    return campaign


def _check_organiser(actor: Actor) -> None:
    if actor.role not in ORGANISERS:
        raise PermissionDenied(
            f"{actor} 不能组织回头看 / {actor} cannot organise a look-back",
            hint="回头看由县、市、省级用户在本辖区组织 / "
            "county, city or province users organise look-backs in their region",
        )


def _population(
    session: Session, scope: Scope, population: Population, since: dt.date | None
) -> list[Case]:
    stages = ELIMINATED if population is Population.eliminated else MONITORED
    query = select(Case).where(
        Case.stage.in_([s.value for s in stages]), scope.villages(Case.village_code)
    )
    if population is Population.eliminated:
        query = query.where(Case.eliminated_on >= since)
    return list(session.scalars(query.order_by(Case.village_code, Case.id)))


def _rescreen(
    session: Session, case: Case, day: dt.date, policies: PolicyIndex
) -> list[dict[str, Any]]:
    """Signs of risk now: open leads raised since the case's last decision, failed exit rules."""
    since = case.eliminated_on or case.identified_on or case.first_lead_on
    findings: list[dict[str, Any]] = [
        {"kind": "lead", "lead_id": lead.id, "channel": lead.channel, "risk_types": lead.risk_types}
        for lead in _open_leads(session, case.household_id)
        if lead_day(lead) > since
    ]
    if Stage(case.stage) in ELIMINATED:
        evaluation = evaluate_case(
            session, case, on=day, policies=policies, method=case.elimination_method or "assisted"
        )
        findings += [
            {"kind": "exit_rule", "code": r.code, "explanation": r.explanation_zh}
            for r in evaluation.failed
            if r.code not in ("E01", "E05")  # preconditions of the decision, not signs of risk
        ]
    return findings


def _open_leads(session: Session, household_id: int) -> list[Lead]:
    return list(
        session.scalars(
            select(Lead).where(
                Lead.household_id == household_id, Lead.status == LeadStatus.open.value
            )
        )
    )


def _task(campaign_id: int, case: Case, findings: list[dict[str, Any]]) -> CampaignTask:
    return CampaignTask(
        campaign_id=campaign_id,
        household_id=case.household_id,
        case_id=case.id,
        village_code=case.village_code,
        flagged=bool(findings),
        findings=findings,
        status=TaskStatus.open.value,
    )


def complete_task(
    session: Session,
    *,
    actor: Actor,
    task_id: int,
    result: TaskResult,
    note: str | None,
    policies: PolicyIndex,
    on: dt.date | None = None,
) -> CampaignTask:
    """Record a task's verification; "risk found" raises a look-back lead for the household."""
    day = on or today_in_china()
    if actor.role not in (Role.village, Role.township):  # the role first: it reveals nothing
        raise PermissionDenied(
            f"{actor} 不能完成回头看任务 / {actor} cannot complete look-back tasks",
            hint="任务由村、乡镇用户完成 / village and township users complete tasks",
        )
    task = session.get(CampaignTask, task_id) if storable_id(task_id) else None
    if task is None or not actor.covers(task.village_code):
        raise NotFound(
            f"你的辖区内没有回头看任务 {task_id} / no look-back task {task_id} in your region"
        )
    if task.status == TaskStatus.done.value:
        raise UserError(
            f"任务 {task_id} 已由 {task.done_by} 于 {task.done_on} 完成 / "
            f"task {task_id} was completed on {task.done_on} by {task.done_by}"
        )
    check_free_text(note)
    task.status, task.result, task.note = TaskStatus.done.value, result.value, note
    task.done_on, task.done_by = day, actor.name
    session.flush()
    change = audit.Change(
        "campaign.task_done",
        "campaign_task",
        task.id,
        region_code=task.village_code,
        after={"result": result.value},
        reason=note,
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)
    if result is TaskResult.risk_found:
        lead = NewLead(
            household_id=task.household_id,
            channel=Channel.lookback,
            reported_on=day,
            evidence={"campaign_id": task.campaign_id, "task_id": task.id},
            source_ref=f"campaign-task-{task.id}",
        )
        record_lead(session, lead, actor=actor, policies=policies)
    return task


def tasks_in(session: Session, scope: Scope, campaign_id: int) -> list[tuple[CampaignTask, str]]:
    """The campaign's tasks in the scope, flagged first, each with its household's 户编号."""
    return [
        (task, number)
        for task, number in session.execute(
            select(CampaignTask, Household.household_no)
            .join(Household, Household.id == CampaignTask.household_id)
            .where(
                CampaignTask.campaign_id == campaign_id, scope.villages(CampaignTask.village_code)
            )
            .order_by(CampaignTask.flagged.desc(), CampaignTask.village_code, CampaignTask.id)
        )
    ]


def progress(
    session: Session, scope: Scope, campaign_id: int, *, level: str = "township"
) -> list[Progress]:
    """The campaign's task counts in the scope, per region of ``level``."""
    region = func.substr(CampaignTask.village_code, 1, regions.LEVEL_DIGITS[level])
    rows = session.execute(
        select(
            region,
            func.count(),
            func.sum(when((CampaignTask.status == TaskStatus.done.value, 1), else_=0)),
            func.sum(when((CampaignTask.flagged, 1), else_=0)),
            func.sum(when((CampaignTask.result == TaskResult.risk_found.value, 1), else_=0)),
        )
        .where(CampaignTask.campaign_id == campaign_id, scope.villages(CampaignTask.village_code))
        .group_by(region)
        .order_by(region)
    )
    return [
        Progress(regions.padded(str(code)), int(n), int(done or 0), int(flag or 0), int(risk or 0))
        for code, n, done, flag, risk in rows
    ]
