"""The authorization matrix: every route × every role × a record in and out of the user's
region, on SQLite and PostgreSQL. A user who may not reach a record gets exactly the answer
for a record that does not exist (status and body, ids aside); lists and counts hold nothing
from outside the user's region; roles that read no records are refused alike for any id."""

from __future__ import annotations

import json

import pytest

from bottomline import regions
from tests.api.conftest import OTHER_VILLAGE, READERS, USERS, VILLAGE, World

ABSENT_CASE = 987_654
ABSENT_HOUSEHOLD = "53232899999999999"
ABSENT_VILLAGE = "532328299299"  # a code of the county the registry does not hold


def _without(body: object, *values: object) -> str:
    text = json.dumps(body, ensure_ascii=False, sort_keys=True)
    for value in values:
        text = text.replace(str(value), "<id>")
    return text


# Who reads a region's counts (no record): the record readers, and analysts in the region.
COUNTERS = READERS | {
    name
    for name, (role, region) in USERS.items()
    if role.value == "analyst" and regions.within(VILLAGE, region)
}
RECORDS = {
    "household": ("/api/v1/households/{}", lambda w: w.household_no, ABSENT_HOUSEHOLD),
    "case": ("/api/v1/cases/{}", lambda w: w.case_id, ABSENT_CASE),
    "cases of a region": ("/api/v1/cases?region={}", lambda w: VILLAGE, ABSENT_VILLAGE),
    "clues of a village": ("/api/v1/clues?village={}", lambda w: VILLAGE, ABSENT_VILLAGE),
    "pipeline of a region": ("/api/v1/pipeline?region={}", lambda w: VILLAGE, ABSENT_VILLAGE),
}


@pytest.mark.parametrize("route", sorted(RECORDS))
@pytest.mark.parametrize("user", sorted(USERS))
def test_a_record_out_of_reach_answers_like_none(world: World, route: str, user: str) -> None:
    path, target, absent = RECORDS[route]
    present = target(world)
    status, body = world.get(user, path.format(present))
    if user in (COUNTERS if route == "pipeline of a region" else READERS):
        assert status == 200, body
        assert str(present) in json.dumps(body)
        return
    absent_status, absent_body = world.get(user, path.format(absent))
    assert status == absent_status
    assert status in (403, 404)
    assert _without(body, present) == _without(absent_body, absent)


LISTS = {
    "cases": ("/api/v1/cases", lambda w: {r["id"] for r in w["rows"]}, "case_id", "other_case_id"),
    "clues": ("/api/v1/clues", lambda w: {r["id"] for r in w["rows"]}, "clue_id", "other_clue_id"),
}


@pytest.mark.parametrize("listing", sorted(LISTS))
@pytest.mark.parametrize("user", sorted(USERS))
def test_lists_hold_only_the_user_s_region(world: World, listing: str, user: str) -> None:
    path, ids_of, here, there = LISTS[listing]
    status, body = world.get(user, path)
    role, region = USERS[user]
    if not role.reads_records:
        assert status == 403, body
        assert "does not read" in json.dumps(body)
        return
    assert status == 200, body
    ids = ids_of(body)
    assert (getattr(world, here) in ids) == (user in READERS)
    assert (getattr(world, there) in ids) == regions.within(OTHER_VILLAGE, region)
    if listing == "clues":
        assert body["total"] == len(ids)  # the count holds nothing more than the rows


@pytest.mark.parametrize("user", sorted(USERS))
def test_dashboard_counts_hold_only_the_user_s_region(world: World, user: str) -> None:
    status, body = world.get(user, "/api/v1/pipeline?level=village")
    role, region = USERS[user]
    if not role.reads_counts:
        assert status == 403
        assert "does not read the region's counts" in json.dumps(body)
        return
    assert status == 200
    counted = set(body["counts"])
    assert (VILLAGE in counted) == (user in COUNTERS)
    assert all(regions.within(code, region) for code in counted)


@pytest.mark.parametrize("user", sorted(USERS))
def test_everyone_may_ask_who_they_are(world: World, user: str) -> None:
    status, body = world.get(user, "/api/v1/me")
    assert status == 200
    assert body["username"] == user  # type: ignore[index]
    assert body["role"]["value"] == USERS[user][0].value  # type: ignore[index]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me",
        "/api/v1/households/{household}",
        "/api/v1/cases",
        "/api/v1/cases/{case}",
        "/api/v1/clues",
        "/api/v1/pipeline",
    ],
)
def test_without_a_token_nothing_is_read(world: World, path: str) -> None:
    filled = path.format(household=world.household_no, case=world.case_id)
    status, body = world.get(None, filled)
    assert status == 401
    assert body["error"]["code"] == "not_authenticated"  # type: ignore[index]
    forged = world.client.get(filled, headers={"Authorization": "Bearer blt_" + "x" * 43})
    assert forged.status_code == 401
    assert forged.json()["error"]["zh"].startswith("用户名或密码不对")
