"""The screening engine: snapshot + feeds + policy → hits with evidence → leads.

The rules (``rules.py``) over the views (``views.py``) are Ibis expressions, compiled once per
cycle, rule set and input schemas into two SQL statements (``plan.py``) that run in-process on
DuckDB: one computes the household view, every rule's hits and the run's counts; the other
raises the leads from those hits. DuckDB reads the snapshot and the staged feed Parquet files
itself. Inputs are columnar (a registry snapshot directory and staged feed Parquet); the ground
truth of synthetic data is never an input.

Leads: one per household per cycle, listing every rule hit, the suggested category and risk
types. A household whose every hit's risk type is already covered — by an open lead or case
(``covered``), or by the monitoring the national system records for it (monitored, not yet
eliminated, for these risk types; every natural disaster counts as one) — is not raised again;
it is counted as suppressed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bottomline.config import get_settings
from bottomline.errors import InputFileError, IntegrityError
from bottomline.ingest.catalogue import FEEDS, staged_schema
from bottomline.ingest.store import staged_files
from bottomline.registry.columns import EXTRA_TABLES, SNAPSHOT_TABLES
from bottomline.screening.plan import (
    COVERED,
    COVERED_SCHEMA,
    HITS,
    POLICY,
    STATS,
    feed_name,
    plan_for,
    snapshot_name,
)
from bottomline.screening.rules import RULES, Rule
from bottomline.screening.views import FEED_WINDOWS, Cycle

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass(slots=True)
class ScreeningResult:
    cycle: str
    households: int
    hits: pa.Table
    leads: pa.Table
    suppressed: int
    timings: dict[str, float] = field(default_factory=dict)
    # households with no income valid for the cycle (registry.reference): screened on
    # department data and guarantees only, listed by quality rule Q106
    without_income: int = 0
    suppressed_dismissed: int = 0  # of ``suppressed``: same evidence as a dismissed clue

    def hits_by_rule(self) -> dict[str, int]:
        counts = self.hits.group_by("rule_id").aggregate([("household_id", "count")])
        return dict(
            zip(
                counts["rule_id"].to_pylist(), counts["household_id_count"].to_pylist(), strict=True
            )
        )


def connect(
    *, threads: int | None = None, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-process DuckDB connection with no extension downloads.

    ``None`` takes the settings ``BOTTOMLINE_DUCKDB_THREADS`` / ``..._MEMORY_LIMIT``.
    """
    settings = get_settings()
    threads = threads or settings.duckdb_threads
    memory_limit = memory_limit or settings.duckdb_memory_limit
    config: dict[str, str | bool | int | float | list[str]] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        # every result is ordered explicitly: no need to keep scan order through the plan
        "preserve_insertion_order": False,
    }
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    return duckdb.connect(config=config)


def _require(path: Path, what_zh: str, what: str, *, hint: str, reason: str) -> Path:
    if not path.exists():
        raise InputFileError(
            f"找不到{what_zh} / {what} not found: {path}", hint=hint, reason=reason
        )
    return path


def _checked_schema(path: Path, schema: pa.Schema) -> pa.Schema:
    found = pq.read_schema(path)
    missing = set(schema.names) - set(found.names)
    if missing:
        raise InputFileError(
            f"快照表 {path} 缺少列 {sorted(missing)} / "
            f"snapshot table {path} lacks columns {sorted(missing)}",
            hint="请用当前版本的 bottomline 重新导出快照 / "
            "re-export the snapshot with this version of bottomline",
        )
    return found


def feed_files(staged_dir: Path | None, cycle: Cycle) -> list[Path]:
    """Every committed batch file a cycle reads: each feed's window up to the cycle's month."""
    return [path for name in FEEDS for path in _window_files(staged_dir, name, cycle)]


def _window_files(staged_dir: Path | None, feed: str, cycle: Cycle) -> list[Path]:
    first = cycle.index - FEED_WINDOWS.get(feed, 1) + 1
    return staged_files(staged_dir, feed, first, cycle.index)


Source: TypeAlias = list[Path] | pa.Table  # Parquet files DuckDB reads, or an Arrow table


def _inputs(
    snapshot_dir: Path, staged_dir: Path | None, cycle: Cycle, policy: pa.Table
) -> dict[str, tuple[Source, pa.Schema]]:
    """Every table the plan reads (``plan.INPUTS``): its source and its schema."""
    inputs: dict[str, tuple[Source, pa.Schema]] = {}
    for name, schema in SNAPSHOT_TABLES.items():
        path = _require(
            snapshot_dir / f"{name}.parquet",
            f"登记库快照表 {name!r}",
            f"registry snapshot table {name!r}",
            hint="请先从数据库导出快照，或使用含五个快照 Parquet 文件的目录 / "
            "export a snapshot from the store first, or use a directory with the five snapshot "
            "Parquet files",
            reason="snapshot_missing",
        )
        inputs[snapshot_name(name)] = ([path], _checked_schema(path, schema))
    for name, schema in EXTRA_TABLES.items():  # from another domain (follow-ups); may be absent
        path = snapshot_dir / f"{name}.parquet"
        inputs[snapshot_name(name)] = (
            ([path], _checked_schema(path, schema))
            if path.exists()
            else (schema.empty_table(), schema)
        )
    for name, feed in FEEDS.items():
        files = _window_files(staged_dir, name, cycle)
        schema = pq.read_schema(files[0]) if files else staged_schema(feed)
        inputs[feed_name(name)] = (files, schema) if files else (schema.empty_table(), schema)
    inputs[POLICY] = (policy, policy.schema)
    return inputs


def _bind(con: duckdb.DuckDBPyConnection, name: str, source: Source) -> None:
    """Make ``name`` read the source: a view over the Parquet files, or the Arrow table."""
    if isinstance(source, pa.Table):
        con.register(name, source)
        return
    files = ", ".join("'" + str(p).replace("'", "''") + "'" for p in source)
    con.execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS SELECT * FROM read_parquet([{files}])')


def screen(
    *,
    snapshot_dir: Path,
    staged_dir: Path | None,
    policy: pa.Table,
    cycle: str,
    covered: pa.Table | None = None,
    rules: tuple[Rule, ...] = RULES,
    con: duckdb.DuckDBPyConnection | None = None,
    progress: Progress | None = None,
) -> ScreeningResult:
    """Screen every household of the snapshot for one cycle."""
    cyc = Cycle(cycle)
    con = con or connect()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    say("读取输入 / reading inputs")
    inputs = _inputs(snapshot_dir, staged_dir, cyc, policy)
    plan = plan_for(cyc, {name: schema for name, (_src, schema) in inputs.items()}, rules)
    timings["plan"] = time.perf_counter() - t0
    for name, (source, _schema) in inputs.items():
        _bind(con, name, source)
    say("运行规则 / running rules")
    t1 = time.perf_counter()
    timings["bind"] = t1 - t0 - timings["plan"]
    out = con.execute(plan.hits_sql).to_arrow_table()
    n_households, without_income = (int(out[name][0].as_py() or 0) for name in STATS)
    n_registry = pq.read_metadata(snapshot_dir / "households.parquet").num_rows
    if n_households != n_registry:
        raise IntegrityError(
            f"{n_registry} 户中有 {n_registry - n_households} 户没有适用政策或没有成员 / "
            f"{n_registry - n_households} of {n_registry} households have no policy or no members",
            hint="每个村都需要有效政策，每户至少要有一名成员 / "
            "every village needs an effective policy, and every household at least one member",
        )
    hits = (
        out.select(plan.hits_schema.names)
        .filter(pc.is_valid(out["household_id"]))
        .cast(plan.hits_schema)
    )
    timings["rules"] = time.perf_counter() - t1
    say("生成线索 / raising leads")
    con.register(HITS, hits)
    con.register(COVERED, covered if covered is not None else COVERED_SCHEMA.empty_table())
    leads = con.execute(plan.leads_sql).to_arrow_table().cast(plan.leads_schema)
    hit_households = pc.count_distinct(hits["household_id"]).as_py()
    timings["total"] = time.perf_counter() - t0
    timings["leads"] = timings["total"] - timings["rules"] - timings["bind"] - timings["plan"]
    log.info(
        "screened cycle=%s households=%d without_income=%d hits=%d leads=%d",
        cycle,
        n_households,
        without_income,
        hits.num_rows,
        leads.num_rows,
    )
    return ScreeningResult(
        cycle=cycle,
        households=n_households,
        hits=hits,
        leads=leads,
        suppressed=hit_households - leads.num_rows,
        timings=timings,
        without_income=without_income,
    )
