"""The audit log through the API: auditors read the rows of their region and nothing else, the
filters narrow it, the chain is verified by auditors and administrators; no one else reads it."""

from __future__ import annotations

from sqlalchemy import text

from bottomline import regions
from bottomline.db import write_scope
from tests.api.conftest import OTHER_VILLAGE, USERS, VILLAGE, World


def _all(world: World, user: str, query: str = "") -> list[dict]:  # type: ignore[type-arg]
    rows, page = [], 1
    while True:
        status, body = world.get(user, f"/api/v1/audit?page_size=200&page={page}{query}")
        assert status == 200, body
        assert isinstance(body, dict)
        rows += body["rows"]
        if page >= body["pages"]:
            assert body["total"] == len(rows)
            return rows
        page += 1


def test_an_auditor_reads_the_rows_of_their_region_only(world: World) -> None:
    here = _all(world, "auditor.in")
    there = _all(world, "auditor.out")
    for user, rows in (("auditor.in", here), ("auditor.out", there)):
        region = USERS[user][1]
        assert rows, user
        assert all(regions.within(r["region_code"], region) for r in rows), user
        assert [r["seq"] for r in rows] == sorted((r["seq"] for r in rows), reverse=True)
    codes = {r["region_code"] for r in here}
    assert {VILLAGE, OTHER_VILLAGE} <= codes  # the leads' and cases' rows of both villages
    assert "530000000000" not in codes  # the province user's row is not the county's
    assert not any(r["region_code"].startswith("532328") for r in there)
    assert not {r["seq"] for r in here} & {r["seq"] for r in there}


def test_the_filters_narrow_the_log(world: World) -> None:
    logins = _all(world, "auditor.in", "&action=user.login")
    assert logins
    assert {r["action"] for r in logins} == {"user.login"}
    users = _all(world, "auditor.in", "&action=user.")
    assert {r["action"] for r in users} >= {"user.login", "user.add"}
    assert all(r["action"].startswith("user.") for r in users)
    mine = _all(world, "auditor.in", "&by=county.in")
    assert mine
    assert {r["actor"] for r in mine} == {"county.in"}
    assert _all(world, "auditor.in", "&since=2999-01-01") == []


def test_no_one_else_reads_the_log(world: World) -> None:
    for user in sorted(USERS):
        if USERS[user][0].value == "auditor":
            continue
        status, body = world.get(user, "/api/v1/audit")
        assert status == 403, (user, body)
        assert "audit log" in str(body)
    assert world.get(None, "/api/v1/audit")[0] == 401


def test_auditors_and_administrators_verify_the_chain(world: World) -> None:
    for user in ("auditor.in", "auditor.out", "administrator.in"):
        status, body = world.get(user, "/api/v1/audit/verify")
        assert status == 200, body
        assert isinstance(body, dict)
        assert body["intact"] is True
        assert body["rows"] > 0
    for user in ("county.in", "province.in", "analyst.in", "department.in"):
        assert world.get(user, "/api/v1/audit/verify")[0] == 403, user
    with write_scope(world.engine) as session:
        kept = session.scalar(text("SELECT reason FROM audit_log WHERE seq = 3"))
        session.execute(text("UPDATE audit_log SET reason = 'changed' WHERE seq = 3"))
    status, body = world.get("auditor.in", "/api/v1/audit/verify")
    assert status == 200
    assert isinstance(body, dict)
    assert (body["intact"], body["first_bad_seq"]) == (False, 3)
    assert body["findings"][0]["problem"] == "content changed"
    with write_scope(world.engine) as session:  # the module's world stays intact for the rest
        session.execute(text("UPDATE audit_log SET reason = :r WHERE seq = 3"), {"r": kept})
    assert world.get("auditor.in", "/api/v1/audit/verify")[1]["intact"] is True  # type: ignore[index]
