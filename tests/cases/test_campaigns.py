"""Look-back campaigns: the population, the re-screen flags, tasks, progress, risk found → lead."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bottomline.assistance.models import IncomeFollowUp
from bottomline.cases.campaigns import (
    Population,
    complete_task,
    create_campaign,
    progress,
    tasks_in,
)
from bottomline.cases.enums import Stage, TaskResult
from bottomline.cases.models import CampaignTask, Case
from bottomline.db import session_scope, write_scope
from bottomline.errors import NotFound, PermissionDenied, UserError
from bottomline.policy.resolve import PolicyIndex
from bottomline.registry.models import Household
from bottomline.users.actor import Actor
from bottomline.users.enums import Role
from bottomline.users.scope import Scope
from tests.cases.conftest import People
from tests.cases.walk import Walk

D = dt.date
SQLITE_ONLY = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)


@pytest.fixture
def eliminated(
    store: Engine, household: Household, people: People, policies: PolicyIndex, tmp_path: Path
) -> Walk:
    walk = Walk(store, household.id, people, policies, tmp_path)
    walk.to(Stage.eliminated)
    return walk


def _campaign(store: Engine, people: People, policies: PolicyIndex, **kwargs: object) -> int:
    args = {
        "name": "2026年回头看",
        "population": Population.eliminated,
        "since": D(2026, 1, 1),
        "on": D(2026, 11, 23),
    } | kwargs
    with write_scope(store) as session:
        return create_campaign(
            session,
            scope=Scope.of(people.county),
            policies=policies,
            **args,  # type: ignore[arg-type]
        ).id


def _tasks(store: Engine, campaign_id: int) -> list[CampaignTask]:
    with session_scope(store) as session:
        return list(
            session.scalars(select(CampaignTask).where(CampaignTask.campaign_id == campaign_id))
        )


@SQLITE_ONLY
def test_a_stable_eliminated_household_gets_an_unflagged_task(
    eliminated: Walk, store: Engine, people: People, policies: PolicyIndex
) -> None:
    campaign = _campaign(store, people, policies)
    (task,) = _tasks(store, campaign)
    assert (task.household_id, task.case_id, task.flagged) == (
        eliminated.household_id,
        eliminated.case_id,
        False,
    )
    assert _tasks(store, _campaign(store, people, policies, since=D(2026, 11, 23))) == []


@SQLITE_ONLY
def test_income_fallen_below_the_line_flags_the_task(
    eliminated: Walk, store: Engine, people: People, policies: PolicyIndex
) -> None:
    with write_scope(store) as session:
        session.add(
            IncomeFollowUp(
                household_id=eliminated.household_id,
                followed_on=D(2026, 11, 22),
                per_capita_income=Decimal("5000"),
                recorded_by="cadre",
            )
        )
    (task,) = _tasks(store, _campaign(store, people, policies))
    assert task.flagged
    # the follow-up is the household's latest valid income (registry.reference): income stays
    # below the line (E02) and so does income after rigid expenditure (E03)
    assert {f["code"] for f in task.findings if f["kind"] == "exit_rule"} == {"E02", "E03"}


@SQLITE_ONLY
def test_risk_found_raises_a_lookback_lead_that_reopens_a_case(
    eliminated: Walk, store: Engine, people: People, policies: PolicyIndex
) -> None:
    (task,) = _tasks(store, _campaign(store, people, policies))
    with write_scope(store) as session:
        complete_task(
            session,
            actor=people.village,
            task_id=task.id,
            result=TaskResult.risk_found,
            note="家中新增大病患者",
            policies=policies,
            on=D(2026, 11, 23),
        )
    with session_scope(store) as session:
        reopened = session.scalars(select(Case).where(Case.reopened_from_id.is_not(None))).one()
    assert reopened.reopened_from_id == eliminated.case_id
    assert reopened.stage == Stage.lead.value
    (row,) = progress_rows(store, task.campaign_id, people.county)
    assert (row.tasks, row.done, row.risk_found) == (1, 1, 1)
    with write_scope(store) as session, pytest.raises(UserError, match="was completed"):
        complete_task(
            session,
            actor=people.village,
            task_id=task.id,
            result=TaskResult.stable,
            note=None,
            policies=policies,
        )


def progress_rows(store: Engine, campaign_id: int, actor: Actor) -> list:  # type: ignore[type-arg]
    with session_scope(store) as session:
        return progress(session, Scope.of(actor), campaign_id)


@SQLITE_ONLY
def test_monitored_population_and_who_may_organise(
    store: Engine, household: Household, people: People, policies: PolicyIndex, tmp_path: Path
) -> None:
    Walk(store, household.id, people, policies, tmp_path).to(Stage.assisting)
    campaign = _campaign(store, people, policies, population=Population.monitored, since=None)
    assert len(_tasks(store, campaign)) == 1
    with write_scope(store) as session, pytest.raises(PermissionDenied):
        create_campaign(
            session,
            scope=Scope.of(people.village),
            name="x",
            population=Population.monitored,
            since=None,
            policies=policies,
        )
    with (
        write_scope(store) as session,
        pytest.raises(UserError, match="needs the day it looks back from") as no_since,
    ):
        create_campaign(
            session,
            scope=Scope.of(people.county),
            name="x",
            population=Population.eliminated,
            since=None,
            policies=policies,
        )
    assert no_since.value.reason == "campaign_needs_since"  # the CLI names --since


@SQLITE_ONLY
def test_progress_counts_per_township(
    eliminated: Walk, store: Engine, people: People, policies: PolicyIndex
) -> None:
    campaign = _campaign(store, people, policies)
    (row,) = progress_rows(store, campaign, people.county)
    assert row.region_code == people.township.region_code
    assert (row.tasks, row.done, row.flagged) == (1, 0, 0)
    assert row.share_done == 0.0
    assert progress_rows(store, campaign, people.other_county) == []
    with session_scope(store) as session:
        ((task, number),) = tasks_in(session, Scope.of(people.township), campaign)
        assert number == session.get_one(Household, eliminated.household_id).household_no
        assert task.campaign_id == campaign
        assert tasks_in(session, Scope.of(people.other_county), campaign) == []


@SQLITE_ONLY
def test_a_task_outside_the_region_answers_like_no_task(
    eliminated: Walk, store: Engine, people: People, policies: PolicyIndex
) -> None:
    (task,) = _tasks(store, _campaign(store, people, policies))
    elsewhere = Actor("cadre.elsewhere", Role.village, "530102001001")
    answers = []
    for actor, task_id in ((elsewhere, task.id), (people.village, task.id + 1000)):
        with write_scope(store) as session, pytest.raises(NotFound) as raised:
            complete_task(
                session,
                actor=actor,
                task_id=task_id,
                result=TaskResult.stable,
                note=None,
                policies=policies,
            )
        answers.append(raised.value.message.replace(str(task_id), "N"))
    assert answers[0] == answers[1]
