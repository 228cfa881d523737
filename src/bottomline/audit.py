"""The audit log: one append-only, hash-chained row per action, written in the action's transaction.

Each row's ``hash`` is the SHA-256 of its own content (canonical JSON) and the previous row's
hash, so changing, removing or reordering any row breaks the chain from that row on;
:func:`verify` walks the log and names the first row that does not match and every row after
it that is inconsistent in itself. The single ``audit_head`` row holds the last sequence number
and hash: writers lock it (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite actions hold the
database's write lock, see :func:`bottomline.db.write_scope`), so the chain never forks and
rows are numbered without gaps. Cutting rows off the end and rewinding the head together is
not detectable from inside the database; export the head hash elsewhere to anchor it.

Rows hold what changed (stages, amounts, codes, ids), never ID numbers, phones, bank accounts
or health details: callers pass such values masked or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bottomline.db import Base, UtcDateTime, unconfined, utcnow
from bottomline.errors import PermissionDenied

GENESIS = "0" * 64  # the "previous hash" of the first row
HEAD_ID = 1
# Roles (``users.enums.Role`` values) that change nothing: every audited action — which is
# every write — is refused to them here, in the one place all writes pass, except keeping their
# own login (logging in, changing their password, their own tokens).
READ_ONLY_ROLES = frozenset({"auditor"})
SELF_SERVICE = frozenset(
    {"user.login", "user.login_failed", "user.password", "token.issue", "token.revoke"}
)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str | None] = mapped_column(String(12))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True, slots=True)
class Change:
    """What an action did to one record, for the log."""

    action: str  # "case.transition", "measure.add", ...
    entity: str  # "case", "measure", ...
    entity_id: str | int
    region_code: str | None = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    reason: str | None = None


def record(session: Session, change: Change, *, actor: str, role: str) -> AuditEntry:
    """Append one row for ``change`` in the session's transaction and advance the head.

    A read-only role's action is refused (:data:`READ_ONLY_ROLES`): the caller's transaction
    then rolls back whatever the action wrote before its audit row."""
    if role in READ_ONLY_ROLES and change.action not in SELF_SERVICE:
        raise PermissionDenied(
            f"审计督查角色只读，不能执行 {change.action} / the {role} role is read-only: it "
            f"cannot take the action {change.action}"
        )
    head = _locked_head(session)
    entry = AuditEntry(
        seq=head.seq + 1,
        at=utcnow(),
        actor=actor,
        role=role,
        action=change.action,
        entity=change.entity,
        entity_id=str(change.entity_id),
        region_code=change.region_code,
        before=jsonable(change.before),
        after=jsonable(change.after),
        reason=change.reason,
        prev_hash=head.hash,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.flush()
    return entry


def _locked_head(session: Session) -> AuditHead:
    head = session.scalars(
        select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()
    ).one_or_none()
    if head is None:
        head = AuditHead(id=HEAD_ID, seq=0, hash=GENESIS)
        session.add(head)
    return head


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types: Decimals and dates become strings, tuples lists."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=_json_default, ensure_ascii=False))


def _json_default(value: object) -> object:
    if isinstance(value, Decimal | dt.date):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"cannot record a {type(value).__name__} in the audit log")


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over the row's content and the previous row's hash."""
    content = {
        "seq": entry.seq,
        "at": entry.at.astimezone(dt.UTC).isoformat(),
        "actor": entry.actor,
        "role": entry.role,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "region_code": entry.region_code,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
        "prev_hash": entry.prev_hash,
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- verification -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    seq: int
    problem: str  # "content changed", "chain broken", "row missing", "head mismatch"
    detail: str


@dataclass(slots=True)
class Verification:
    rows: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings

    @property
    def first_bad_seq(self) -> int | None:
        return min((f.seq for f in self.findings), default=None)


def verify(session: Session, *, batch: int = 10_000) -> Verification:
    """Recompute every row's hash and link; report each row that does not match.

    The chain runs through every region's rows, so the check reads them all, also in a
    transaction confined to one region (its findings name row numbers only)."""
    with unconfined(session):
        return _verified(session, batch)


def _verified(session: Session, batch: int) -> Verification:
    result = Verification()
    expected_seq, prev_hash = 1, GENESIS
    for entry in _entries(session, batch):
        result.rows += 1
        if entry.seq != expected_seq:
            missing = f"rows {expected_seq}–{entry.seq - 1}" if entry.seq > expected_seq else ""
            result.findings.append(Finding(expected_seq, "row missing", missing or "out of order"))
        if entry.prev_hash != prev_hash:
            result.findings.append(
                Finding(entry.seq, "chain broken", "prev_hash is not the previous row's hash")
            )
        if entry_hash(entry) != entry.hash:
            result.findings.append(
                Finding(entry.seq, "content changed", "the row's hash does not match its content")
            )
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    _check_head(session, result, expected_seq - 1, prev_hash)
    return result


def _entries(session: Session, batch: int) -> Iterator[AuditEntry]:
    statement = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    for entry in session.scalars(statement):
        yield entry
        session.expunge(entry)


def _check_head(session: Session, result: Verification, last_seq: int, last_hash: str) -> None:
    head = session.get(AuditHead, HEAD_ID)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (last_seq, last_hash):
        result.findings.append(
            Finding(
                last_seq if head_seq == last_seq else min(head_seq, last_seq) + 1,
                "head mismatch",
                f"the head says row {head_seq} is last, the log ends at row {last_seq}",
            )
        )
