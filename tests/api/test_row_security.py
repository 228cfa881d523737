"""Row-level security on PostgreSQL: the second wall, tested on its own (docs/access.md).

The access layer is the first wall; these tests go around it on purpose, with raw SQL on the
protected tables, and check that a transaction confined to a region (as every API request of a
logged-in user is) reads, changes and adds only that region's rows. PostgreSQL only: SQLite has
no row-level security, the access layer is its only wall (``test_access_layer`` and the API's
authorization matrix test it there).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from bottomline import audit, regions
from bottomline.api.security import transaction
from bottomline.db import (
    NOWHERE,
    Base,
    bypasses_row_security,
    confine,
    make_engine,
    session_scope,
    write_scope,
)
from bottomline.users.actor import Actor
from tests.api.conftest import OTHER_TOWNSHIP, TOWNSHIP, USERS, World, postgres_database
from tests.test_access_layer import PROTECTED

# Where each protected table's rows belong, written here from the tables' meaning (not taken
# from the migration): the village code a row is in, as SQL over the row ``t``.
VILLAGE_OF = {
    "households": "t.village_code",
    "cases": "t.village_code",
    "visits": "t.village_code",
    "notices": "t.village_code",
    "campaign_tasks": "t.village_code",
    "leads": "t.village_code",
    "quality_issues": "t.village_code",
    "audit_log": "t.region_code",
    "case_leads": "(SELECT village_code FROM cases c WHERE c.id = t.case_id)",
    "case_events": "(SELECT village_code FROM cases c WHERE c.id = t.case_id)",
    "objections": "(SELECT village_code FROM cases c WHERE c.id = t.case_id)",
    "notice_cases": "(SELECT village_code FROM notices n WHERE n.id = t.notice_id)",
    "lead_hits": "(SELECT village_code FROM leads l WHERE l.id = t.lead_id)",
    **{
        name: "(SELECT village_code FROM households h WHERE h.id = t.household_id)"
        for name in (
            "members",
            "household_incomes",
            "household_guarantees",
            "member_events",
            "local_edits",
            "measures",
            "helper_assignments",
            "income_followups",
        )
    },
}
# Tables the module's world fills in both townships: the checks below must be able to fail.
FILLED = ("households", "members", "cases", "case_events", "case_leads", "leads", "lead_hits")


@pytest.fixture(scope="module", params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """This module's world on PostgreSQL only (overrides the package's two-backend fixture)."""
    yield from postgres_database()


def _tables() -> list[str]:
    names = {m.class_.__name__: m.local_table.name for m in Base.registry.mappers}
    return sorted(str(names[model]) for model in PROTECTED)


def _range(code: str) -> tuple[str, str]:
    return regions.code_range(code)


def _count(session: Session, table: str) -> int:
    return session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def _expected(engine: Engine, table: str, low: str, high: str) -> int:
    sql = f"SELECT count(*) FROM {table} t WHERE {VILLAGE_OF[table]} BETWEEN :low AND :high"
    with session_scope(engine) as session:
        return session.execute(text(sql), {"low": low, "high": high}).scalar_one()


def test_every_protected_table_is_under_forced_row_security(world: World) -> None:
    assert set(_tables()) == set(VILLAGE_OF), "a protected table without a place in VILLAGE_OF"
    with session_scope(world.engine) as session:
        rows = session.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                "(SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname) "
                "FROM pg_class c WHERE c.relname = ANY(:names) AND c.relkind = 'r'"
            ),
            {"names": _tables()},
        ).all()
    found = {name: (enabled, forced, policies) for name, enabled, forced, policies in rows}
    assert set(found) == set(_tables())
    unguarded = [
        n for n, (on, forced, policies) in found.items() if not (on and forced and policies)
    ]
    assert unguarded == []


@pytest.mark.parametrize("region", [TOWNSHIP, OTHER_TOWNSHIP])
def test_a_confined_transaction_reads_only_its_region(world: World, region: str) -> None:
    low, high = _range(region)
    with session_scope(world.engine) as session:
        totals = {table: _count(session, table) for table in VILLAGE_OF}
    with session_scope(world.engine) as session:
        confine(session, low, high)
        seen = {table: _count(session, table) for table in VILLAGE_OF}
    expected = {table: _expected(world.engine, table, low, high) for table in VILLAGE_OF}
    assert seen == expected
    for table in FILLED:  # rows in both townships: confinement hid some and kept some
        assert 0 < seen[table] < totals[table], table


def test_a_range_of_no_codes_reads_nothing(world: World) -> None:
    with session_scope(world.engine) as session:
        confine(session, *NOWHERE)
        assert {table: _count(session, table) for table in VILLAGE_OF} == dict.fromkeys(
            VILLAGE_OF, 0
        )


def _request(engine: Engine, method: str = "GET") -> Any:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(engine=engine)), method=method)


@pytest.mark.parametrize("user", sorted(USERS))
def test_every_api_transaction_is_confined_to_its_user(world: World, user: str) -> None:
    """A query that forgot the access layer, inside a request, still sees only the user's
    region — and nothing at all for roles that read no records (department, administrator)."""
    role, region = USERS[user]
    actor = Actor(user, role, region)
    low, high = _range(region) if role.reads_counts else NOWHERE
    for method in ("GET", "POST"):
        with transaction(_request(world.engine, method), actor) as session:
            households = _count(session, "households")
            members = _count(session, "members")
        assert households == _expected(world.engine, "households", low, high)
        assert members == _expected(world.engine, "members", low, high)


def test_the_confinement_ends_with_its_transaction(world: World) -> None:
    with world.engine.connect() as connection:
        pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    with session_scope(world.engine) as session:
        assert session.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid
        confine(session, *_range(TOWNSHIP))
    with session_scope(world.engine) as session:  # the same pooled connection, unconfined
        assert session.execute(text("SELECT pg_backend_pid()")).scalar_one() == pid
        with session_scope(world.engine) as other:
            total = _count(other, "households")
        assert _count(session, "households") == total


def test_a_confined_transaction_changes_no_row_of_another_region(world: World) -> None:
    """The out-of-region case: invisible to UPDATE and DELETE, and no row can be added to it
    or moved into it."""
    with write_scope(world.engine) as session:
        confine(session, *_range(OTHER_TOWNSHIP))
        changed = session.execute(
            text("UPDATE cases SET version = version + 1 WHERE id = :id"), {"id": world.case_id}
        )
        assert changed.rowcount == 0
        gone = session.execute(
            text("DELETE FROM case_events WHERE case_id = :id"), {"id": world.case_id}
        )
        assert gone.rowcount == 0
        mine = session.execute(
            text("UPDATE cases SET version = version WHERE id = :id"),
            {"id": world.other_case_id},
        )
        assert mine.rowcount == 1  # its own region's case: writable
    village = session_village(world, world.case_id)
    with pytest.raises(ProgrammingError, match="row-level security"):
        _confined_write(
            world,
            "UPDATE cases SET village_code = :v WHERE id = :id",
            {"v": village, "id": world.other_case_id},
        )
    with pytest.raises(ProgrammingError, match="row-level security"):
        _confined_write(
            world,
            "INSERT INTO lead_hits (lead_id, rule_id, rule_version, policy_ref, evidence) "
            "VALUES (:lead, 'x', 1, 'x', '{}')",
            {"lead": world.clue_id},
        )


def _confined_write(world: World, sql: str, params: dict[str, Any]) -> None:
    """Run one statement in a transaction confined to the other township, and commit it."""
    with write_scope(world.engine) as session:
        confine(session, *_range(OTHER_TOWNSHIP))
        session.execute(text(sql), params)


def session_village(world: World, case_id: int) -> str:
    with session_scope(world.engine) as session:
        return session.execute(
            text("SELECT village_code FROM cases WHERE id = :id"), {"id": case_id}
        ).scalar_one()


def test_the_audit_log_appends_but_never_changes_when_confined(world: World) -> None:
    with write_scope(world.engine) as session:
        confine(session, *_range(TOWNSHIP))
        changed = session.execute(text("UPDATE audit_log SET reason = 'x'"))
        deleted = session.execute(text("DELETE FROM audit_log"))
        assert (changed.rowcount, deleted.rowcount) == (0, 0)


def test_the_chain_check_reads_every_region_and_stays_confined_after(world: World) -> None:
    with session_scope(world.engine) as session:
        total = _count(session, "audit_log")
    low, high = _range(TOWNSHIP)
    with session_scope(world.engine) as session:
        confine(session, low, high)
        before = _count(session, "audit_log")
        assert before < total
        result = audit.verify(session)
        assert result.intact
        assert result.rows == total
        assert _count(session, "audit_log") == before


def test_the_server_refuses_a_role_that_row_security_does_not_hold(
    world: World, tmp_path: Path
) -> None:
    # The test server trusts loopback, so its superuser `postgres` can connect here: the
    # wall would not hold that role, and `serve` says so before it migrates or listens.
    superuser = world.engine.url.set(username="postgres").render_as_string(hide_password=False)
    probe = make_engine(superuser)
    try:
        assert bypasses_row_security(probe)
    finally:
        probe.dispose()
    assert not bypasses_row_security(world.engine)  # the tests' own role is held

    env = os.environ | {
        "BOTTOMLINE_DATA_DIR": str(tmp_path),
        "BOTTOMLINE_DATABASE_URL": superuser,
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bottomline.cli", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "BYPASSRLS" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
