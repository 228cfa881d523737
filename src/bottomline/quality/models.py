"""Data-quality runs and the "problem data" work queue (问题数据) they keep.

An issue is one finding of one rule about one subject (a household or a member). A check run
opens issues it finds for the first time, keeps those it finds again (``last_run_id``), and
resolves those it no longer finds — so the queue is what is still wrong, per region, and its
history shows when each problem appeared and went away.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from bottomline.db import Base, BigId, UtcDateTime, utcnow


class QualityRun(Base):
    __tablename__ = "quality_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope_code: Mapped[str] = mapped_column(String(12))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    # {"rules": {code: found}, "opened": n, "kept": n, "resolved": n}
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class QualityIssue(Base):
    __tablename__ = "quality_issues"
    __table_args__ = (
        Index("ix_quality_issues_subject", "rule_code", "subject", "status"),
        Index("ix_quality_issues_village_status", "village_code", "status"),
        # One open issue per rule and subject, even if two check runs overlap.
        Index(
            "uq_quality_issues_open",
            "rule_code",
            "subject",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rule_code: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(32))  # "household:<id>" or "member:<id>"
    household_id: Mapped[int] = mapped_column(BigInteger, index=True)
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    village_code: Mapped[str] = mapped_column(String(12))
    # Values that show the problem; never ID numbers, names, phones or health details.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16))  # open, resolved
    first_run_id: Mapped[int] = mapped_column(Integer, ForeignKey("quality_runs.id"))
    last_run_id: Mapped[int] = mapped_column(Integer, ForeignKey("quality_runs.id"))
    resolved_run_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("quality_runs.id"))
