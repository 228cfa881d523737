"""Reads of cases and notices answer within the actor's region only, and outside it exactly as
for a record that does not exist (no id can be probed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bottomline.cases.clock import running_clocks
from bottomline.cases.enums import NoticeKind, Stage
from bottomline.cases.notices.queries import access_notice, notices_in
from bottomline.cases.queries import access_case, cases_in, household_id_for, lead_queue, pipeline
from bottomline.db import session_scope
from bottomline.errors import NotFound
from bottomline.policy.resolve import PolicyIndex
from bottomline.registry.models import Household
from bottomline.users.actor import Actor
from bottomline.users.scope import Scope
from tests.cases.conftest import People
from tests.cases.walk import Walk

ABSENT = 987_654


def _refusal(call: object, *args: object) -> str:
    with pytest.raises(NotFound) as raised:
        call(*args)  # type: ignore[operator]
    return str(raised.value)


def test_a_case_outside_the_region_reads_like_no_case(
    store: Engine, household: Household, people: People, policies: PolicyIndex, tmp_path: Path
) -> None:
    case_id = Walk(store, household.id, people, policies, tmp_path).lead()
    with session_scope(store) as session:
        assert access_case(session, case_id, people.village).id == case_id
        outside = [
            _refusal(access_case, session, case_id, actor)
            for actor in (people.other_village, people.other_county)
        ]
        absent = _refusal(access_case, session, ABSENT, people.village)
    assert {text.replace(str(case_id), "N") for text in outside} == {
        absent.replace(str(ABSENT), "N")
    }


def test_a_household_outside_the_region_reads_like_no_household(
    store: Engine, household: Household, people: People
) -> None:
    with session_scope(store) as session:
        assert household_id_for(session, household.household_no, people.county) == household.id
        outside = _refusal(household_id_for, session, household.household_no, people.other_county)
        absent = _refusal(household_id_for, session, "no-such-number", people.other_county)
    assert outside.replace(household.household_no, "N") == absent.replace("no-such-number", "N")


def test_region_lists_hold_the_scope_and_nothing_beyond(
    store: Engine, household: Household, people: People, policies: PolicyIndex, tmp_path: Path
) -> None:
    walk = Walk(store, household.id, people, policies, tmp_path)
    case_id = walk.lead()
    on = dt.date(2026, 3, 3)

    def lists(actor: Actor) -> tuple[list[int], ...]:
        scope = Scope.of(actor)
        with session_scope(store) as session:
            return (
                [c.id for c in cases_in(session, scope)],
                [q.case.id for q in lead_queue(session, scope)],
                [c.case_id for c in running_clocks(session, scope, on)],
                [n for row in pipeline(session, scope).values() for n in row.values()],
            )

    assert lists(people.county) == ([case_id], [case_id], [case_id], [1])
    assert lists(people.village) == ([case_id], [case_id], [case_id], [1])
    assert lists(people.other_village) == ([], [], [], [])
    assert lists(people.other_county) == ([], [], [], [])


def test_a_notice_outside_the_region_reads_like_no_notice(
    store: Engine, household: Household, people: People, policies: PolicyIndex, tmp_path: Path
) -> None:
    Walk(store, household.id, people, policies, tmp_path).to(Stage.village_review)
    with session_scope(store) as session:
        ((notice, cases),) = notices_in(session, Scope.of(people.county))
        assert (notice.kind, cases) == (NoticeKind.identification.value, 1)
        assert access_notice(session, notice.id, people.township).id == notice.id
        assert notices_in(session, Scope.of(people.other_village)) == []
        outside = _refusal(access_notice, session, notice.id, people.other_county)
        absent = _refusal(access_notice, session, ABSENT, people.township)
    assert outside.replace(str(notice.id), "N") == absent.replace(str(ABSENT), "N")
