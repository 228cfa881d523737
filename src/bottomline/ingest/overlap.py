"""A re-sent file: rows of a new batch that a committed batch of the same month already holds.

Departments re-send a month they already sent (a corrected file, the same list re-saved in
Excel, another delimiter or encoding): the bytes differ, so the content hash does not catch
it, and importing it as a new batch would double the month's rows. Overlap is therefore
judged on the rows as validation left them (typed values, so ``650`` and ``650.00``, GB18030
and UTF-8, comma and tab read the same):

* **content**: a row whose every feed column equals a row of the earlier batch;
* **natural key** (``Feed.natural_key``, where the feed has one): a row naming the same fact
  (one person's line on a roll, one event) as a row of the earlier batch, even with corrected
  values. Rows with an empty key column are compared by content only.

Accepted and unmatched rows count on both sides (a row about a person not in the registry is
still a row the department sent). The comparison runs in DuckDB over the batch's work files
and the earlier batches' files in the feed store.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from bottomline.ingest.catalogue import Feed
from bottomline.ingest.store import staged_path, unmatched_path


@dataclass(frozen=True, slots=True)
class Overlap:
    batch_id: int  # the committed batch of the same feed and period
    rows: int  # rows of the new batch that batch already holds
    by_key: int  # of which found by the natural key only (values corrected)


def batch_files(feeds_dir: Path, feed: str, period: str, batch_id: int) -> list[Path]:
    """The files in the feed store holding a committed batch's rows."""
    paths = (
        staged_path(feeds_dir, feed, period, batch_id),
        unmatched_path(feeds_dir, feed, period, batch_id),
    )
    return [p for p in paths if p.exists()]


def find_overlaps(
    con: duckdb.DuckDBPyConnection,
    *,
    spec: Feed,
    new_files: list[Path],
    earlier: dict[int, list[Path]],
) -> list[Overlap]:
    """Per earlier batch, how many rows of ``new_files`` it holds (batches without any omitted)."""
    old = [str(p) for paths in earlier.values() for p in paths]
    new = [str(p) for p in new_files]
    if not old or not new:
        return []
    cols = ", ".join(f'"{c.name}"' for c in spec.columns)
    key = [f'"{c}"' for c in spec.natural_key]
    key_hash = f"hash({', '.join(key)})" if key else "NULL::UBIGINT"
    key_whole = " AND ".join(f"{c} IS NOT NULL" for c in key) if key else "false"
    rows = con.execute(
        f"""
        WITH new AS (
            SELECT source_ordinal AS i, hash({cols}) AS h,
                   CASE WHEN {key_whole} THEN {key_hash} END AS k
            FROM read_parquet($new, union_by_name = true)),
        old AS (
            SELECT DISTINCT batch_id, hash({cols}) AS h,
                   CASE WHEN {key_whole} THEN {key_hash} END AS k
            FROM read_parquet($old, union_by_name = true)),
        by_content AS (SELECT DISTINCT n.i, o.batch_id FROM new n JOIN old o ON n.h = o.h),
        by_key AS (
            SELECT DISTINCT n.i, o.batch_id FROM new n JOIN old o ON n.k = o.k
            WHERE n.k IS NOT NULL),
        pairs AS (
            SELECT i, batch_id, true AS content FROM by_content
            UNION ALL
            SELECT k.i, k.batch_id, false FROM by_key k ANTI JOIN by_content c USING (i, batch_id))
        SELECT batch_id, count(*), count(*) FILTER (WHERE NOT content)
        FROM pairs GROUP BY batch_id ORDER BY batch_id
        """,
        {"new": new, "old": old},
    ).fetchall()
    return [Overlap(int(b), int(n), int(k)) for b, n, k in rows]
