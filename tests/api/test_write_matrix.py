"""The authorization matrix of the write routes: every write × every role × a record in and
out of the user's region, on SQLite and PostgreSQL. Each request here is refused, so the world
stays as built: a user who may not reach the record gets exactly the answer for one that does
not exist; a user who reaches it is stopped by the decision's own check (a clue triaged before
it came in, a case decided on a version it never had) — not by "absent" — and nothing changes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from bottomline.audit import AuditEntry
from bottomline.db import session_scope
from bottomline.users.enums import Role
from tests.api.conftest import READERS, USERS, World

ABSENT = 987_654
TRIAGERS = {Role.county, Role.township}
EARLY = "2026-03-01"  # before the clues came in (2026-03-31)
# route -> (path for an id, body for an id, who may take the decision at all)
WRITES: dict[str, tuple[Callable[[int], str], Callable[[int], object], set[Role]]] = {
    "dispatch": (
        lambda _i: "/api/v1/clues/dispatch",
        lambda i: {"ids": [i], "on": EARLY},
        TRIAGERS,
    ),
    "dismiss": (
        lambda _i: "/api/v1/clues/dismiss",
        lambda i: {"ids": [i], "code": "data_error", "on": EARLY},
        TRIAGERS,
    ),
    "reopen": (
        lambda _i: "/api/v1/clues/reopen",
        lambda i: {"ids": [i], "reason": "数据无误"},
        TRIAGERS,
    ),
    "transition": (
        lambda i: f"/api/v1/cases/{i}/transitions",
        lambda _i: {"to": "verifying", "version": 999_999},
        {Role.village, Role.township, Role.county},
    ),
}


def _target(world: World, route: str) -> int:
    return world.case_id if route == "transition" else world.clue_id


def _without(body: object, value: int) -> str:
    return re.sub(rf"\b{value}\b", "<id>", json.dumps(body, ensure_ascii=False, sort_keys=True))


def _audit_rows(world: World) -> int:
    with session_scope(world.engine) as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


@pytest.mark.parametrize("route", sorted(WRITES))
@pytest.mark.parametrize("user", sorted(USERS))
def test_a_write_out_of_reach_answers_like_none_and_changes_nothing(
    world: World, route: str, user: str
) -> None:
    path, body, deciders = WRITES[route]
    present = _target(world, route)
    before = _audit_rows(world)
    status, answer = world.post(user, path(present), body(present))
    absent_status, absent_answer = world.post(user, path(ABSENT), body(ABSENT))
    assert _audit_rows(world) == before  # every request here is refused
    role = USERS[user][0]
    if user in READERS:  # reached, and stopped by the role or the decision's own check
        assert status in ((400, 403, 409, 422) if role in deciders else (403, 409)), answer
        assert absent_status in (403, 404), absent_answer
    else:
        assert status == absent_status, answer
        assert status in (403, 404), answer
        assert _without(answer, present) == _without(absent_answer, ABSENT)


@pytest.mark.parametrize("route", sorted(WRITES))
def test_a_write_without_a_token_is_refused(world: World, route: str) -> None:
    path, body, _deciders = WRITES[route]
    status, answer = world.post(None, path(_target(world, route)), body(_target(world, route)))
    assert status == 401, answer
