"""Import batches of department feeds and what each one left behind.

A batch is one department file (or one pushed table) for one feed and one period. It is
``importing`` while rows are read, ``committed`` when its accepted rows are in the feed store
(``<feeds>/<feed>/period=<YYYY-MM>/batch-<id>.parquet``), ``failed`` when the import stopped
with an error, and ``interrupted`` when a later import found it abandoned (the process was
killed). Only committed batches count: the same content is committed at most once for a
feed and period (a department may send an unchanged list for the next month: a new batch).

A committed batch leaves ``committed`` only by a user's audited action: ``superseded`` when a
corrected file replaces it (``superseded_by`` names the new batch), ``withdrawn`` when it was
sent by mistake. Neither is read any more (screening, quality); its files are kept for audit
under ``<feeds>/_retired/``. ``retired_by``, ``retired_at`` and ``retired_reason`` say who did
it, when and why.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bottomline.db import Base, BigId, UtcDateTime, utcnow

PERIOD = String(7)  # "YYYY-MM"


class IngestBatch(Base):
    __tablename__ = "ingest_batches"
    __table_args__ = (
        # The same content is committed once per feed and period: imports are idempotent.
        Index(
            "uq_ingest_batches_committed_content",
            "feed",
            "period",
            "content_sha256",
            unique=True,
            sqlite_where=text("status = 'committed'"),
            postgresql_where=text("status = 'committed'"),
        ),
        Index("ix_ingest_batches_feed_period", "feed", "period"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    feed: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(PERIOD)
    status: Mapped[str] = mapped_column(String(16))  # BatchStatus
    source_name: Mapped[str] = mapped_column(String(255))  # file name, never its directory
    source_format: Mapped[str] = mapped_column(String(16))  # csv, xlsx, parquet, arrow
    encoding: Mapped[str | None] = mapped_column(String(16))
    content_sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_in: Mapped[int] = mapped_column(BigInteger, default=0)
    accepted: Mapped[int] = mapped_column(BigInteger, default=0)
    rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    unmatched: Mapped[int] = mapped_column(BigInteger, default=0)
    needs_confirmation: Mapped[int] = mapped_column(BigInteger, default=0)  # of the unmatched
    staged_path: Mapped[str | None] = mapped_column(Text)  # relative to the feed store
    report_dir: Mapped[str | None] = mapped_column(Text)  # rejects and unmatched reports
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    superseded_by: Mapped[int | None] = mapped_column(BigInteger)  # the batch that replaced it
    retired_by: Mapped[str | None] = mapped_column(String(64))  # user who superseded/withdrew
    retired_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    retired_reason: Mapped[str | None] = mapped_column(Text)


class IngestReason(Base):
    """How many rows of a batch were rejected for one reason in one column."""

    __tablename__ = "ingest_reasons"

    batch_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ingest_batches.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(32), primary_key=True)  # RejectReason
    column: Mapped[str] = mapped_column(String(64), primary_key=True)  # canonical name or ""
    rows: Mapped[int] = mapped_column(Integer)
