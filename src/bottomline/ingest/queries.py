"""Reads of import batches."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from bottomline.ingest.catalogue import FEEDS, period_index, staged_schema
from bottomline.ingest.models import IngestBatch, IngestReason
from bottomline.ingest.store import staged_files


def list_batches(
    *, session: Session, feed: str | None = None, period: str | None = None, limit: int = 50
) -> list[IngestBatch]:
    """The most recent batches first, optionally of one feed and one period."""
    stmt = select(IngestBatch).order_by(IngestBatch.id.desc()).limit(limit)
    if feed is not None:
        stmt = stmt.where(IngestBatch.feed == feed)
    if period is not None:
        stmt = stmt.where(IngestBatch.period == period)
    return list(session.scalars(stmt))


def batch_reasons(*, session: Session, batch_id: int) -> list[IngestReason]:
    stmt = (
        select(IngestReason)
        .where(IngestReason.batch_id == batch_id)
        .order_by(IngestReason.rows.desc())
    )
    return list(session.scalars(stmt))


def department_rows(
    *, feeds_dir: Path, household_id: int, feed: str, first: str, last: str
) -> pa.Table:
    """A household's accepted rows of one feed in periods [first, last], with their lineage.

    This is the way back from a lead to the department data behind it: every row carries its
    ``batch_id`` (``ingest_batches``: file, hash, when), ``source_file``, ``source_sheet`` and
    ``source_row`` (the row as the department's spreadsheet shows it).
    """
    files = staged_files(feeds_dir, feed, period_index(first), period_index(last))
    if not files:
        return staged_schema(FEEDS[feed]).empty_table()
    with duckdb.connect() as con:
        return con.execute(
            "SELECT * FROM read_parquet(?) WHERE household_id = ? "
            "ORDER BY period, batch_id, source_ordinal",
            [[str(p) for p in files], household_id],
        ).to_arrow_table()
