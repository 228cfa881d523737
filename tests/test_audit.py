"""The audit log: rows chain by hash; verify pinpoints changed, removed and reordered rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine, text

from bottomline import audit
from bottomline.db import session_scope, write_scope


def _write(engine: Engine, n: int) -> None:
    for i in range(n):
        with write_scope(engine) as session:
            change = audit.Change(
                "case.transition",
                "case",
                i + 1,
                region_code="532328101201",
                before={"stage": "lead"},
                after={"stage": "verifying", "amount": Decimal("12.50"), "on": dt.date(2026, 3, 2)},
                reason=f"step {i}",
            )
            audit.record(session, change, actor="cadre", role="village")


def _verify(engine: Engine) -> audit.Verification:
    with session_scope(engine) as session:
        return audit.verify(session)


def test_an_untouched_log_verifies(engine: Engine) -> None:
    _write(engine, 5)
    result = _verify(engine)
    assert result.intact
    assert result.rows == 5


def test_values_are_kept_as_plain_json(engine: Engine) -> None:
    _write(engine, 1)
    with session_scope(engine) as session:
        entry = session.get_one(audit.AuditEntry, 1)
    assert entry.after == {"stage": "verifying", "amount": "12.50", "on": "2026-03-02"}
    assert entry.prev_hash == audit.GENESIS


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_log SET reason = 'nothing happened' WHERE seq = 3",
        "UPDATE audit_log SET actor = 'someone' WHERE seq = 3",
        'UPDATE audit_log SET after = \'{"stage": "monitored"}\' WHERE seq = 3',
    ],
)
def test_a_changed_row_is_pinpointed(engine: Engine, tamper: str) -> None:
    _write(engine, 6)
    with engine.begin() as connection:
        connection.execute(text(tamper))
    result = _verify(engine)
    assert not result.intact
    assert result.first_bad_seq == 3
    assert [(f.seq, f.problem) for f in result.findings] == [(3, "content changed")]


def test_a_rehashed_row_breaks_the_link_to_the_next(engine: Engine) -> None:
    _write(engine, 6)
    with session_scope(engine) as session:
        entry = session.get_one(audit.AuditEntry, 3)
        entry.reason = "rewritten"
        entry.hash = audit.entry_hash(entry)  # a careful forger recomputes the row's own hash
    result = _verify(engine)
    assert result.first_bad_seq == 4
    assert (4, "chain broken") in [(f.seq, f.problem) for f in result.findings]


def test_a_deleted_row_is_reported_as_missing(engine: Engine) -> None:
    _write(engine, 6)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    result = _verify(engine)
    problems = [(f.seq, f.problem) for f in result.findings]
    assert (2, "row missing") in problems
    assert (3, "chain broken") in problems
    assert result.first_bad_seq == 2


def test_a_cut_tail_disagrees_with_the_head(engine: Engine) -> None:
    _write(engine, 4)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 4"))
    result = _verify(engine)
    assert [(f.seq, f.problem) for f in result.findings] == [(4, "head mismatch")]


def test_unrecordable_values_are_refused(engine: Engine) -> None:
    with write_scope(engine) as session, pytest.raises(TypeError, match="cannot record"):
        audit.record(
            session,
            audit.Change("x", "y", 1, after={"bad": object()}),
            actor="cadre",
            role="village",
        )


def test_a_read_only_role_takes_no_action_but_keeps_its_own_login(engine: Engine) -> None:
    from bottomline.errors import PermissionDenied
    from bottomline.users.enums import Role

    assert {Role(r) for r in audit.READ_ONLY_ROLES} == {Role.auditor}
    change = audit.Change("case.transition", "case", 1, region_code="532328201201")
    with pytest.raises(PermissionDenied, match="read-only"), write_scope(engine) as session:
        audit.record(session, change, actor="aud", role=Role.auditor.value)
    for action in sorted(audit.SELF_SERVICE):
        with write_scope(engine) as session:
            audit.record(session, audit.Change(action, "user", 1), actor="aud", role="auditor")
    with session_scope(engine) as session:
        result = audit.verify(session)
        actions = list(session.scalars(text("SELECT action FROM audit_log ORDER BY seq")))
    assert result.intact
    assert actions == sorted(audit.SELF_SERVICE)  # nothing of the refused action


def test_an_auditor_cannot_store_a_policy_document_though_the_function_checks_no_role(
    engine: Engine,
) -> None:
    """The wall is the audit log itself: an action with no role check of its own is refused
    too, and what it wrote before its audit row rolls back with it."""
    from pathlib import Path

    from bottomline.errors import PermissionDenied
    from bottomline.policy.actions import store_documents
    from bottomline.policy.loader import load_directory
    from bottomline.users.actor import Actor
    from bottomline.users.enums import Role

    documents = load_directory(Path(__file__).resolve().parents[1] / "policies")
    auditor = Actor("aud", Role.auditor, "532328000000")
    with pytest.raises(PermissionDenied), write_scope(engine) as session:
        store_documents(session=session, documents=documents, actor=auditor)
    with session_scope(engine) as session:
        assert session.scalar(text("SELECT count(*) FROM policy_documents")) == 0
    county = Actor("li", Role.county, "532328000000")
    with write_scope(engine) as session:
        assert store_documents(session=session, documents=documents, actor=county) == len(documents)
