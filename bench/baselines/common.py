"""What both baselines share with each other and the engine: the hits layout and file windows.

Only definitions live here (output schema, which staged files a cycle reads, the views'
constants, rule ids and versions). The rule logic itself is written out in each baseline.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from bottomline.ingest.catalogue import FEEDS, period_index, staged_schema
from bottomline.screening.rules import EVIDENCE_SLOTS, RULES_BY_ID
from bottomline.screening.views import MAX_WINDOW

HITS_SCHEMA = pa.schema(
    [
        pa.field("household_id", pa.int64()),
        pa.field("village_code", pa.string()),
        pa.field("formerly_poor", pa.bool_()),
        pa.field("in_range", pa.bool_()),
        pa.field("pc", pa.float64()),
        pa.field("policy_ref", pa.string()),
        pa.field("income_source", pa.string()),
        pa.field("income_year", pa.int32()),
        pa.field("income_on", pa.date32()),
        pa.field("rule_id", pa.string()),
        pa.field("rule_version", pa.int32()),
        pa.field("risk_type", pa.string()),
        *(pa.field(f"v{i}", pa.float64()) for i in range(1, EVIDENCE_SLOTS + 1)),
    ]
)
HIT_COLUMNS: tuple[str, ...] = tuple(HITS_SCHEMA.names)


def rule_version(rule_id: str) -> int:
    return int(RULES_BY_ID[rule_id].version)


def reference_dates(cycle: str) -> tuple[dt.date, dt.date]:
    """(first day of M-12, last day of M): the span in which income records of cycle M count.

    Written out here rather than taken from ``registry.reference`` so the baselines check it.
    """
    year, month = int(cycle[:4]), int(cycle[5:7])
    start = dt.date(year - 1, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return start, following - dt.timedelta(days=1)


def cycle_index(cycle: str) -> int:
    return int(period_index(cycle))


def feed_files(staged_dir: Path | None, feed: str, cycle: str) -> list[Path]:
    """The imported Parquet files of ``feed`` whose period lies in the longest window of the cycle.

    The feed store's layout, ``<staged_dir>/<feed>/period=<YYYY-MM>/batch-<id>.parquet``, with
    the period in [cycle - MAX_WINDOW + 1, cycle]; other files are ignored.
    """
    if staged_dir is None or not (staged_dir / feed).is_dir():
        return []
    last = period_index(cycle)
    out = []
    for part in sorted((staged_dir / feed).glob("period=*")):
        try:
            idx = period_index(part.name.removeprefix("period="))
        except ValueError:
            continue
        if last - MAX_WINDOW + 1 <= idx <= last:
            out.extend(sorted(part.glob("batch-*.parquet")))
    return out


def period_of_file(path: Path) -> int:
    """Period index of an imported file (``.../period=2025-10/batch-7.parquet``)."""
    return period_index(path.parent.name.removeprefix("period="))


def feed_schema(feed: str) -> pa.Schema:
    return staged_schema(FEEDS[feed])
