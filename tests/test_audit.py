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
