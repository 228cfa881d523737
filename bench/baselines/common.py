"""What both baselines share with each other and the engine: the hits layout and file windows.

Only definitions live here (output schema, which staged files a cycle reads, the views'
constants, rule ids and versions). The rule logic itself is written out in each baseline.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from bottomline.ingest.catalogue import FEEDS, period_index, staged_schema
from bottomline.screening.rules import RULES_BY_ID
from bottomline.screening.views import MAX_WINDOW

HITS_SCHEMA = pa.schema(
    [
        pa.field("household_id", pa.int64()),
        pa.field("village_code", pa.string()),
        pa.field("formerly_poor", pa.bool_()),
        pa.field("in_range", pa.bool_()),
        pa.field("pc", pa.float64()),
        pa.field("policy_ref", pa.string()),
        pa.field("rule_id", pa.string()),
        pa.field("rule_version", pa.int32()),
        pa.field("risk_type", pa.string()),
        pa.field("v1", pa.float64()),
        pa.field("v2", pa.float64()),
        pa.field("v3", pa.float64()),
    ]
)
HIT_COLUMNS: tuple[str, ...] = tuple(HITS_SCHEMA.names)


def rule_version(rule_id: str) -> int:
    return int(RULES_BY_ID[rule_id].version)


def cycle_index(cycle: str) -> int:
    return int(period_index(cycle))


def feed_files(staged_dir: Path | None, feed: str, cycle: str) -> list[Path]:
    """The staged Parquet files of ``feed`` whose period lies in the longest window of the cycle.

    Same selection as the engine: ``<staged_dir>/<feed>/<YYYY-MM>.parquet`` with the period
    in [cycle - MAX_WINDOW + 1, cycle]; other files are ignored.
    """
    if staged_dir is None or not (staged_dir / feed).is_dir():
        return []
    last = period_index(cycle)
    out = []
    for path in sorted((staged_dir / feed).glob("*.parquet")):
        try:
            idx = period_index(path.stem)
        except ValueError:
            continue
        if last - MAX_WINDOW + 1 <= idx <= last:
            out.append(path)
    return out


def feed_schema(feed: str) -> pa.Schema:
    return staged_schema(FEEDS[feed])
