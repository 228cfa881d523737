"""Reading the audit log: auditors (审计督查) read the rows of their region; auditors and
administrators check the hash chain.

A row belongs to the region its action was taken in (``audit_log.region_code``: the case's
village, the import's county, the user's region …). An auditor reads the rows whose region lies
inside theirs, newest first; a row of a wider region (a province's policy document, for a
county's auditor) is not theirs to read, exactly like a row that does not exist. Rows hold no ID
numbers, phones or health details (``bottomline.audit``); free-text reasons are shown by the
delivery layer's own redaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bottomline import audit, regions
from bottomline.errors import PermissionDenied
from bottomline.users.actor import Actor
from bottomline.users.enums import Role

READERS = frozenset({Role.auditor})
# The system verifies too: a trial store's checks and a scheduled job run as ``system``.
VERIFIERS = frozenset({Role.auditor, Role.administrator, Role.system})


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which rows: every filter given must hold."""

    action: str | None = None  # e.g. "case.transition"; a trailing "." matches a family
    entity: str | None = None
    entity_id: str | None = None
    actor: str | None = None
    since: dt.date | None = None  # UTC days, inclusive
    until: dt.date | None = None


@dataclass(slots=True)
class AuditPage:
    total: int
    page: int
    page_size: int
    rows: Sequence[audit.AuditEntry] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def audit_page(
    session: Session, *, actor: Actor, filters: AuditFilter, page: int = 1, page_size: int = 50
) -> AuditPage:
    """One page of the rows the auditor may read, newest first, with how many there are."""
    query = _selected(actor, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(audit.AuditEntry.seq.desc()).offset((page - 1) * page_size).limit(page_size)
    ).all()
    return AuditPage(total, page, page_size, rows)


def verify_log(session: Session, *, actor: Actor) -> audit.Verification:
    """The hash chain recomputed over the whole log (its findings hold row numbers only)."""
    if actor.role not in VERIFIERS:
        raise PermissionDenied(
            f"{actor.role.zh}不能校验审计日志 / the {actor.role.value} role does not verify the "
            "audit log",
            hint="由审计督查或系统管理员校验 / an auditor or an administrator verifies it",
        )
    return audit.verify(session)


def _selected(actor: Actor, f: AuditFilter) -> Select[audit.AuditEntry]:
    if actor.role not in READERS:
        raise PermissionDenied(
            f"{actor.role.zh}不查看审计日志 / the {actor.role.value} role does not read the "
            "audit log",
            hint="审计日志由审计督查角色查看 / the audit log is read by auditors",
        )
    entry = audit.AuditEntry
    low, high = regions.code_range(actor.region_code)
    query = select(entry).where(entry.region_code.between(low, high))
    if f.action:
        action = f.action
        query = query.where(
            entry.action.startswith(action, autoescape=True)
            if action.endswith(".")
            else entry.action == action
        )
    if f.entity:
        query = query.where(entry.entity == f.entity)
    if f.entity_id:
        query = query.where(entry.entity_id == f.entity_id)
    if f.actor:
        query = query.where(entry.actor == f.actor)
    if f.since:
        query = query.where(entry.at >= _midnight(f.since))
    if f.until:
        query = query.where(entry.at < _midnight(f.until + dt.timedelta(days=1)))
    return query


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
