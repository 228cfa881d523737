"""Tables of the case workflow: cases and their events, visits, notices, objections, campaigns.

A case is one household's way through identification, monitoring and risk elimination. Its
``version`` column is SQLAlchemy's version counter: an update whose version no longer matches
(someone else moved the case first) changes nothing and fails, so two concurrent decisions
cannot both win. ``case_leads`` links each lead (``screening.models.Lead``) to its case.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

# The tables these refer to must be known to the metadata wherever cases are used.
import bottomline.registry.models
import bottomline.screening.models  # noqa: F401
from bottomline.cases.enums import NoticeStatus
from bottomline.db import Base, BigId, UtcDateTime, utcnow

CODE = String(12)
Money = Numeric(14, 2)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_village_stage", "village_code", "stage"),
        # At most one active case per household, even if two intakes overlap.
        Index(
            "uq_cases_active_household",
            "household_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    household_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("households.id"), index=True)
    village_code: Mapped[str] = mapped_column(CODE)
    stage: Mapped[str] = mapped_column(String(24))  # Stage
    active: Mapped[bool] = mapped_column(Boolean)
    category: Mapped[str | None] = mapped_column(String(16))  # Category: suggested, then decided
    risk_types: Mapped[list[str]] = mapped_column(JSON, default=list)  # up to 5 RiskType
    assist_first: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # The statutory clock: from the first lead, under the policy in force when it came in.
    first_lead_on: Mapped[dt.date] = mapped_column(Date)
    deadline_on: Mapped[dt.date] = mapped_column(Date)
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, server_default=false())
    policy_ref: Mapped[str | None] = mapped_column(String(64))
    notice_days: Mapped[int] = mapped_column(SmallInteger)
    deadline_days: Mapped[int] = mapped_column(SmallInteger)
    day_count: Mapped[str] = mapped_column(String(8))  # DayCount
    stage_since: Mapped[dt.date] = mapped_column(Date)
    identified_on: Mapped[dt.date | None] = mapped_column(Date)  # county approval
    eliminated_on: Mapped[dt.date | None] = mapped_column(Date)
    elimination_method: Mapped[str | None] = mapped_column(String(16))  # EliminationMethod
    closed_reason: Mapped[str | None] = mapped_column(Text)  # why rejected or withdrawn
    reopened_from_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declaration


class CaseLead(Base):
    """A lead merged into a case (a case gathers every lead about its household)."""

    __tablename__ = "case_leads"

    lead_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("leads.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)


class CaseEvent(Base):
    """One move of a case (or its opening), with who, when, why and the evidence."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    occurred_on: Mapped[dt.date] = mapped_column(
        Date
    )  # the day it happened (may be recorded later)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)  # when recorded
    from_stage: Mapped[str | None] = mapped_column(String(24))
    to_stage: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Visit(Base):
    """A home visit (入户走访 / 核实), typed in or imported from ODK Central."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    household_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("households.id"), index=True)
    village_code: Mapped[str] = mapped_column(CODE)
    visit_date: Mapped[dt.date] = mapped_column(Date)
    visitor_name: Mapped[str] = mapped_column(String(64))
    visitor_unit: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(16))  # Channel: cadre_visit or odk
    source_ref: Mapped[str | None] = mapped_column(String(128), unique=True)  # ODK instance id
    household_present: Mapped[bool | None] = mapped_column(Boolean)
    authorization_signed: Mapped[bool] = mapped_column(Boolean)  # 授权承诺书
    household_size: Mapped[int | None] = mapped_column(SmallInteger)
    income_estimate: Mapped[Decimal | None] = mapped_column(Money)  # per person per year
    medical_expense: Mapped[Decimal | None] = mapped_column(Money)
    education_expense: Mapped[Decimal | None] = mapped_column(Money)
    hardships: Mapped[list[str]] = mapped_column(JSON, default=list)
    risk_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    suggest_monitoring: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text)
    import_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("visit_imports.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class VisitImport(Base):
    """One import of an ODK Central submissions export, with its reconciliation."""

    __tablename__ = "visit_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_name: Mapped[str] = mapped_column(String(255))
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    rows_in: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer)
    already_imported: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    unmatched: Mapped[int] = mapped_column(Integer)
    leads_raised: Mapped[int] = mapped_column(Integer)
    report_dir: Mapped[str | None] = mapped_column(Text)
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Notice(Base):
    """One public notice (公示) of one village and round."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("village_code", "kind", "year", "round_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    village_code: Mapped[str] = mapped_column(CODE, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # NoticeKind
    year: Mapped[int] = mapped_column(SmallInteger)
    round_no: Mapped[int] = mapped_column(SmallInteger)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)  # the last day of the notice period
    html_path: Mapped[str | None] = mapped_column(Text)
    pdf_path: Mapped[str | None] = mapped_column(Text)
    published_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    def status_on(self, day: dt.date) -> NoticeStatus:
        """On notice through its last day, over after it (derived: never stored, never stale)."""
        return NoticeStatus.open if day <= self.ends_on else NoticeStatus.closed


class NoticeCase(Base):
    __tablename__ = "notice_cases"

    notice_id: Mapped[int] = mapped_column(Integer, ForeignKey("notices.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"), primary_key=True)


class Objection(Base):
    """An objection (异议) raised during a notice; it must be resolved before the next step."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(Integer, ForeignKey("notices.id"), index=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("cases.id"), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)  # internal, never published
    recorded_by: Mapped[str] = mapped_column(String(64))
    resolved_on: Mapped[dt.date | None] = mapped_column(Date)
    upheld: Mapped[bool | None] = mapped_column(Boolean)  # True: the objection was right
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(64))


class Campaign(Base):
    """A look-back campaign (回头看) over a chosen population."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    scope_code: Mapped[str] = mapped_column(CODE)
    population: Mapped[str] = mapped_column(String(32))  # Population
    since: Mapped[dt.date | None] = mapped_column(Date)
    created_on: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CampaignTask(Base):
    """Verify one household in a campaign; flagged when the re-screen found a risk sign."""

    __tablename__ = "campaign_tasks"
    __table_args__ = (
        UniqueConstraint("campaign_id", "household_id"),
        Index("ix_campaign_tasks_campaign_village", "campaign_id", "village_code"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer, ForeignKey("campaigns.id"))
    household_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("households.id"))
    case_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("cases.id"))
    village_code: Mapped[str] = mapped_column(CODE)
    flagged: Mapped[bool] = mapped_column(Boolean)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(8))  # TaskStatus
    result: Mapped[str | None] = mapped_column(String(16))  # TaskResult
    note: Mapped[str | None] = mapped_column(Text)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    done_by: Mapped[str | None] = mapped_column(String(64))
