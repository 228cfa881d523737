"""Screening runs and the leads (with their rule hits) they raise.

A lead is a household to be verified; each of its hits records the rule, the rule's version, the
policy it was evaluated under and the values that triggered it (evidence, not verdicts).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column

from bottomline.db import Base, BigId, UtcDateTime, utcnow
from bottomline.screening.enums import CLUE_CHANNELS, Triage

CYCLE = String(7)  # "YYYY-MM"


class ScreeningRun(Base):
    __tablename__ = "screening_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle: Mapped[str] = mapped_column(CYCLE)
    scope_code: Mapped[str] = mapped_column(String(12))  # region screened
    year: Mapped[int] = mapped_column(SmallInteger)  # policy year
    engine: Mapped[str] = mapped_column(String(16))  # "duckdb", "spark"
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    households_screened: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    hits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    leads_raised: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    leads_suppressed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # policy_ref -> {"params": effective values, "documents": [policy_documents.id, ...]}
    policies: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def _triage_default(context: DefaultExecutionContext) -> str | None:
    """A lead of a clue channel (screening) starts as a pending clue; others are not clues."""
    channel = context.get_current_parameters().get("channel") or "screening"
    return Triage.pending.value if channel in CLUE_CHANNELS else None


class Lead(Base):
    """A sign that a household may be at risk, from any channel (cases.enums.Channel).

    ``status`` stays ``open`` while the lead waits or its case is under way (so screening does
    not raise the same risk again), becomes ``closed`` when the case ends and ``dismissed`` when
    the clue is dismissed; the case a lead was merged into is recorded by the cases package
    (``case_leads``).

    A screening lead is a clue (线索): ``triage`` is ``pending`` until a county or township user
    dispatches it for verification (the case opens, the clock starts that day) or dismisses it
    with a reason; ``evidence_fingerprint`` (screening.fingerprint) then keeps screening from
    raising the household again on the same evidence. Leads of other channels are no clues:
    ``triage`` is null and they go straight into a case.
    """

    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_household_id_status", "household_id", "status"),
        Index("ix_leads_triage_village", "triage", "village_code"),
        UniqueConstraint("channel", "source_ref"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("screening_runs.id"), index=True)
    household_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("households.id"))
    # The household's village when the lead was raised: the region the lead belongs to (like
    # a case's), so the queue is counted and scoped on the lead's own index.
    village_code: Mapped[str] = mapped_column(String(12))
    cycle: Mapped[str] = mapped_column(CYCLE)
    channel: Mapped[str] = mapped_column(
        String(16), default="screening", server_default="screening"
    )
    category: Mapped[str | None] = mapped_column(String(32))
    risk_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="open", server_default="open")
    policy_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    reported_on: Mapped[dt.date | None] = mapped_column(Date)  # when the lead reached us
    reported_by: Mapped[str | None] = mapped_column(String(64))
    # What the channel saw (never ID numbers, phones, bank accounts or health details).
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    source_ref: Mapped[str | None] = mapped_column(String(128))  # e.g. an ODK instance id
    # Triage of a clue (Triage; null: not a clue): who decided, on which day, and why dismissed.
    triage: Mapped[str | None] = mapped_column(String(12), default=_triage_default)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    dismiss_code: Mapped[str | None] = mapped_column(String(24))  # cases.enums.DismissReason
    dismiss_reason: Mapped[str | None] = mapped_column(Text)
    evidence_fingerprint: Mapped[str | None] = mapped_column(String(64))


class LeadHit(Base):
    __tablename__ = "lead_hits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("leads.id"), index=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[int] = mapped_column(Integer)
    policy_ref: Mapped[str] = mapped_column(String(64))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)  # the values that triggered the rule
