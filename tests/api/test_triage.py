"""Triage through the API: a county or township official dispatches a clue (the case opens, its
clock starts on the day decided), dismisses one with a reason or undoes a dismissal, each clue
one audited move; decisions already taken are refused with what was decided."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bottomline.audit import AuditEntry
from bottomline.cases.models import Case
from bottomline.db import session_scope, write_scope
from bottomline.registry.models import Household
from bottomline.screening.models import Lead
from bottomline.workdays import today_in_china
from tests.api.conftest import VILLAGE, World, add_clue, build_world


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> Iterator[World]:
    built = build_world(store_url, tmp_path / "data")
    yield built
    built.client.close()
    built.engine.dispose()


def _lead(world: World, lead_id: int) -> Lead:
    with session_scope(world.engine) as session:
        return session.get_one(Lead, lead_id)


def _audit(world: World, action: str) -> list[AuditEntry]:
    with session_scope(world.engine) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_dispatched_clue_opens_its_case_with_the_clock_started_that_day(world: World) -> None:
    day = today_in_china()
    status, body = world.post("township.in", "/api/v1/clues/dispatch", {"ids": [world.clue_id]})
    assert status == 200, body
    assert body["clues"] == 1
    lead = _lead(world, world.clue_id)
    assert (lead.triage, lead.decided_by, lead.decided_on) == ("dispatched", "township.in", day)
    # The household already had a self-declared case under way: the clue joins it.
    with session_scope(world.engine) as session:
        case = session.get_one(Case, body["case_ids"][0])
    assert case.household_id == lead.household_id
    assert (body["cases_opened"], body["merged"]) in ((1, 0), (0, 1))
    [row] = _audit(world, "clue.dispatched")
    assert (row.actor, row.entity_id, row.region_code) == (
        "township.in",
        str(world.clue_id),
        lead.village_code,
    )
    again = world.post("county.in", "/api/v1/clues/dispatch", {"ids": [world.clue_id]})
    assert again[0] == 400
    assert "already triaged" in again[1]["error"]["message"]
    assert "township.in" in again[1]["error"]["message"]


def _fresh_clue(world: World) -> int:
    """A clue of a household in VILLAGE with no other lead open."""
    with write_scope(world.engine) as session:
        taken = select(Lead.household_id)
        household = session.scalars(
            select(Household.id)
            .where(Household.village_code == VILLAGE, Household.id.not_in(taken))
            .order_by(Household.id)
            .limit(1)
        ).one()
        return add_clue(session, household)


def test_a_dismissal_needs_a_reason_and_can_be_undone(world: World) -> None:
    clue = _fresh_clue(world)
    bare = world.post("county.in", "/api/v1/clues/dismiss", {"ids": [clue]})
    assert bare[0] == 400
    assert "needs a reason" in bare[1]["error"]["message"]
    assert _lead(world, clue).triage == "pending"  # nothing changed
    status, body = world.post(
        "county.in",
        "/api/v1/clues/dismiss",
        {"ids": [clue], "code": "known_situation"},
    )
    assert (status, body["clues"]) == (200, 1), body
    lead = _lead(world, clue)
    assert (lead.triage, lead.status, lead.dismiss_code) == (
        "dismissed",
        "dismissed",
        "known_situation",
    )
    assert lead.evidence_fingerprint
    status, body = world.post(
        "county.in", "/api/v1/clues/reopen", {"ids": [clue], "reason": "数据无误"}
    )
    assert status == 200, body
    assert body["clues"] == 1
    lead = _lead(world, clue)
    assert (lead.triage, lead.dismiss_code, lead.evidence_fingerprint) == ("pending", None, None)
    [reopened] = _audit(world, "clue.reopened")
    # The world's own clue shares its household with a self-declared lead under way: refused.
    dismissed = world.post(
        "county.in", "/api/v1/clues/dismiss", {"ids": [world.clue_id], "code": "data_error"}
    )
    assert dismissed[0] == 200, dismissed[1]
    refused = world.post(
        "county.in", "/api/v1/clues/reopen", {"ids": [world.clue_id], "reason": "数据无误"}
    )
    assert refused[0] == 400
    assert "open" in refused[1]["error"]["message"]
    assert reopened.before is not None
    assert reopened.before["code"] == "known_situation"
    assert reopened.reason == "数据无误"


def test_one_clue_out_of_reach_refuses_the_whole_request(world: World) -> None:
    """Both clues pending; the township official reaches only one: nothing is decided, and the
    answer names only the id it cannot find."""
    status, body = world.post(
        "township.in",
        "/api/v1/clues/dismiss",
        {"ids": [world.clue_id, world.other_clue_id], "code": "data_error"},
    )
    assert status == 404, body
    assert str(world.other_clue_id) in body["error"]["message"]
    assert _lead(world, world.clue_id).triage == "pending"
    assert _audit(world, "clue.dismissed") == []


def test_a_decision_dated_in_the_future_is_refused(world: World) -> None:
    tomorrow = (today_in_china() + dt.timedelta(days=1)).isoformat()
    status, body = world.post(
        "county.in", "/api/v1/clues/dispatch", {"ids": [world.clue_id], "on": tomorrow}
    )
    assert status == 400, body
    assert "future" in body["error"]["message"]
    assert _lead(world, world.clue_id).triage == "pending"
