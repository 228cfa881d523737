"""Deciding a case through the API: the move on the version the official saw, one winner when
two decide at once (the other gets 409 and nothing changes), a case outside the region answers
like none, and a session cookie without its CSRF token changes nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bottomline.audit import AuditEntry
from bottomline.cases.models import Case
from bottomline.db import session_scope
from tests.api.conftest import PASSWORD, World, build_world


@pytest.fixture
def world(store_url: str, tmp_path: Path) -> Iterator[World]:
    built = build_world(store_url, tmp_path / "data")
    yield built
    built.client.close()
    built.engine.dispose()


def _move(world: World, user: str, case_id: int, **decision: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = world.client.post(
        f"/api/v1/cases/{case_id}/transitions",
        json=decision,
        headers={"Authorization": f"Bearer {world.tokens[user]}"},
    )
    return response.status_code, response.json()


def _case(world: World, case_id: int) -> Case:
    with session_scope(world.engine) as session:
        return session.get_one(Case, case_id)


def test_a_decision_moves_the_case_and_is_audited(world: World) -> None:
    version = _case(world, world.case_id).version
    status, body = _move(world, "village.in", world.case_id, to="verifying", version=version)
    assert status == 200, body
    assert body["stage"]["value"] == "verifying"
    assert body["version"] == version + 1
    assert body["events"][-1]["to_stage"] == "verifying"
    with session_scope(world.engine) as session:
        moved = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.transition")
        ).all()
    assert [(e.actor, e.entity_id) for e in moved] == [("village.in", str(world.case_id))]


def test_a_decision_on_an_old_version_is_a_conflict(world: World) -> None:
    version = _case(world, world.case_id).version
    assert _move(world, "village.in", world.case_id, to="verifying", version=version)[0] == 200
    status, body = _move(
        world, "township.in", world.case_id, to="withdrawn", version=version, reason="户主申请撤回"
    )
    assert status == 409
    assert body["error"]["code"] == "conflict_error"
    assert "changed by someone else" in body["error"]["en"]
    assert _case(world, world.case_id).stage == "verifying"


def test_two_officials_at_once_one_wins_the_other_gets_409(world: World) -> None:
    version = _case(world, world.case_id).version
    answers: dict[str, int] = {}
    start = threading.Barrier(2)

    def decide(user: str, **decision: object) -> None:
        client = TestClient(world.client.app, raise_server_exceptions=False)
        start.wait()
        response = client.post(
            f"/api/v1/cases/{world.case_id}/transitions",
            json={"version": version, **decision},
            headers={"Authorization": f"Bearer {world.tokens[user]}"},
        )
        answers[user] = response.status_code

    threads = [
        threading.Thread(target=decide, args=("village.in",), kwargs={"to": "verifying"}),
        threading.Thread(
            target=decide,
            args=("township.in",),
            kwargs={"to": "withdrawn", "reason": "户主申请撤回"},
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers.values()) == [200, 409], answers
    winner = next(user for user, status in answers.items() if status == 200)
    case = _case(world, world.case_id)
    assert case.stage == {"village.in": "verifying", "township.in": "withdrawn"}[winner]
    assert case.version == version + 1
    with session_scope(world.engine) as session:
        moves = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "case.transition")
        )
    assert moves == 1


def test_a_case_out_of_reach_answers_like_none_and_is_not_moved(world: World) -> None:
    version = _case(world, world.case_id).version
    outside = _move(world, "village.out", world.case_id, to="verifying", version=version)
    absent = _move(world, "village.out", 987_654, to="verifying", version=version)
    assert outside[0] == absent[0] == 404
    text = json.dumps(outside[1], ensure_ascii=False).replace(str(world.case_id), "<id>")
    assert text == json.dumps(absent[1], ensure_ascii=False).replace("987654", "<id>")
    assert _case(world, world.case_id).version == version


def test_mistakes_are_named(world: World) -> None:
    version = _case(world, world.case_id).version
    status, body = _move(world, "village.in", world.case_id, to="somewhere", version=version)
    assert status == 422
    assert body["error"]["en"] == "these fields are not valid: to"
    status, body = _move(world, "village.in", world.case_id, to="withdrawn", version=version)
    assert status == 422
    assert "needs a reason" in body["error"]["en"]
    assert body["error"]["reason"] == "case_needs_reason"
    assert (
        body["error"]["hint"]
        == "说明理由，例如“户主主动申请撤回” / say why, e.g. '户主主动申请撤回'"
    )
    status, body = _move(world, "analyst.in", world.case_id, to="verifying", version=version)
    assert status == 404  # a role that reads no records reaches no case
    assert _case(world, world.case_id).version == version


def test_a_refused_guard_is_named_in_domain_words(world: World) -> None:
    version = _case(world, world.case_id).version
    assert _move(world, "village.in", world.case_id, to="verifying", version=version)[0] == 200
    status, body = _move(world, "village.in", world.case_id, to="comparing", version=version + 1)
    assert status == 422
    error = body["error"]
    assert error["code"] == "transition_error"
    assert error["reason"] == "home_visit_signed"  # a client keys its own words on it
    assert "record the signed visit or import the ODK submissions" in error["en"]
    assert "bottomline" not in error["message"]
    assert "--" not in error["message"]


def test_a_cookie_session_without_the_csrf_token_changes_nothing(world: World) -> None:
    browser = TestClient(world.client.app)
    login = browser.post("/api/v1/session", json={"username": "village.in", "password": PASSWORD})
    assert login.status_code == 200
    version = _case(world, world.case_id).version
    path = f"/api/v1/cases/{world.case_id}/transitions"
    refused = browser.post(path, json={"to": "verifying", "version": version})
    assert refused.status_code == 403
    assert _case(world, world.case_id).version == version
    accepted = browser.post(
        path,
        json={"to": "verifying", "version": version},
        headers={"X-CSRF-Token": login.json()["csrf_token"]},
    )
    assert accepted.status_code == 200, accepted.text
