"""The screening engine: snapshot + feeds + policy → hits with evidence → leads.

The engine compiles every rule (``rules.py``) over the views (``views.py``) into one Ibis
expression and runs it in-process on DuckDB. Inputs are columnar (a registry snapshot directory
and staged feed Parquet); the ground truth of synthetic data is never an input.

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

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from bottomline.config import get_settings
from bottomline.errors import InputFileError, IntegrityError
from bottomline.ingest.catalogue import FEEDS, staged_schema
from bottomline.ingest.store import staged_files
from bottomline.registry.columns import EXTRA_TABLES, SNAPSHOT_TABLES
from bottomline.screening.rules import RULES, Rule, compile_rule
from bottomline.screening.views import FEED_WINDOWS, Cycle, feed_views, household_view

log = logging.getLogger(__name__)

COVERED_SCHEMA = pa.schema([("household_id", pa.int64()), ("risk_type", pa.string())])
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


def connect(*, threads: int | None = None, memory_limit: str | None = None) -> ibis.BaseBackend:
    """An in-process DuckDB backend with no extension downloads.

    ``None`` takes the settings ``BOTTOMLINE_DUCKDB_THREADS`` / ``..._MEMORY_LIMIT``.
    """
    settings = get_settings()
    threads = threads or settings.duckdb_threads
    memory_limit = memory_limit or settings.duckdb_memory_limit
    config: dict[str, object] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    return ibis.duckdb.connect(**config)


def _require(path: Path, what: str, hint: str) -> Path:
    if not path.exists():
        raise InputFileError(f"{what} not found: {path}", hint=hint)
    return path


def _snapshot_tables(con: ibis.BaseBackend, snapshot_dir: Path) -> dict[str, ir.Table]:
    tables = {}
    for name, schema in SNAPSHOT_TABLES.items():
        path = _require(
            snapshot_dir / f"{name}.parquet",
            f"registry snapshot table {name!r}",
            "export a snapshot first (`bottomline screen` does it from the store) "
            "or point --snapshot at a directory with the five snapshot Parquet files",
        )
        missing = set(schema.names) - set(pq.read_schema(path).names)
        if missing:
            raise InputFileError(
                f"snapshot table {path} lacks columns {sorted(missing)}",
                hint="re-export the snapshot with this version of bottomline",
            )
        tables[name] = con.read_parquet(path, table_name=f"snap_{name}")
    for name, schema in EXTRA_TABLES.items():
        tables[name] = _extra_table(con, snapshot_dir / f"{name}.parquet", name, schema)
    return tables


def feed_files(staged_dir: Path | None, cycle: Cycle) -> list[Path]:
    """Every committed batch file a cycle reads: each feed's window up to the cycle's month."""
    return [path for name in FEEDS for path in _window_files(staged_dir, name, cycle)]


def _window_files(staged_dir: Path | None, feed: str, cycle: Cycle) -> list[Path]:
    first = cycle.index - FEED_WINDOWS.get(feed, 1) + 1
    return staged_files(staged_dir, feed, first, cycle.index)


def _extra_table(con: ibis.BaseBackend, path: Path, name: str, schema: pa.Schema) -> ir.Table:
    """A table from another domain (follow-ups); a snapshot without it reads as empty."""
    if not path.exists():
        return con.create_table(f"snap_{name}", schema.empty_table(), temp=True, overwrite=True)
    missing = set(schema.names) - set(pq.read_schema(path).names)
    if missing:
        raise InputFileError(
            f"snapshot table {path} lacks columns {sorted(missing)}",
            hint="re-export the snapshot with this version of bottomline",
        )
    return con.read_parquet(path, table_name=f"snap_{name}")


def _feed_tables(
    con: ibis.BaseBackend, staged_dir: Path | None, cycle: Cycle
) -> dict[str, ir.Table]:
    tables = {}
    for name, feed in FEEDS.items():
        files = _window_files(staged_dir, name, cycle)
        if files:
            tables[name] = con.read_parquet([str(p) for p in files], table_name=f"feed_{name}")
        else:
            tables[name] = con.create_table(
                f"feed_{name}", schema=ibis.schema(staged_schema(feed)), temp=True, overwrite=True
            )
    return tables


def _family(risk: ir.StringValue) -> ir.StringValue:
    """What a risk type is covered as: every natural disaster is one (national code 02)."""
    return risk.startswith("disaster_").ifelse("disaster", risk)


def monitored_risks(households: ir.Table) -> ir.Table:
    """(household_id, risk_type) of the households the national system records as monitored
    and not yet eliminated: they are already under monitoring for these risks."""
    monitored = households.filter(
        households.monitoring_category.notnull() & households.risk_eliminated_on.isnull()
    )
    return monitored.select("household_id", risk_type=monitored.monitoring_risks.unnest())


def _leads(hits: ir.Table, covered: ir.Table) -> ir.Table:
    """One lead per household with a hit whose risk (family) nothing covers yet."""
    cover = covered.select("household_id", family=_family(covered.risk_type))
    keyed = hits.mutate(family=_family(hits.risk_type))
    new = keyed.anti_join(cover, ["household_id", "family"]).select("household_id").distinct()
    raised = hits.semi_join(new, "household_id")
    category = ibis.cases(
        (raised.in_range & raised.formerly_poor, "unstable"),
        (raised.in_range, "marginal"),
        else_="sudden",
    )
    return (
        raised.mutate(category=category)
        .group_by("household_id")
        .aggregate(
            village_code=raised.village_code.arbitrary(),
            category=ibis._.category.arbitrary(),
            risk_types=raised.risk_type.collect(distinct=True),
            rule_ids=raised.rule_id.collect(distinct=True),
            hits=raised.rule_id.count(),
            pc_net_income=raised.pc.arbitrary(),
            policy_ref=raised.policy_ref.arbitrary(),
        )
    )


def screen(
    *,
    snapshot_dir: Path,
    staged_dir: Path | None,
    policy: pa.Table,
    cycle: str,
    covered: pa.Table | None = None,
    rules: tuple[Rule, ...] = RULES,
    con: ibis.BaseBackend | None = None,
    progress: Progress | None = None,
) -> ScreeningResult:
    """Screen every household of the snapshot for one cycle."""
    cyc = Cycle(cycle)
    con = con or connect()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    say("reading inputs")
    tables = _snapshot_tables(con, snapshot_dir)
    tables["policy"] = con.create_table("policy", policy, temp=True, overwrite=True)
    feeds = _feed_tables(con, staged_dir, cyc)
    say("building household view")
    base = con.create_table(
        "hh_base", household_view(tables, cyc, feeds["medical"]), temp=True, overwrite=True
    )
    n_households = con.to_pyarrow(base.count()).as_py()
    without_income = con.to_pyarrow((~base.has_income).cast("int64").sum()).as_py() or 0
    n_registry = con.to_pyarrow(tables["households"].count()).as_py()
    if n_households != n_registry:
        raise IntegrityError(
            f"{n_registry - n_households} of {n_registry} households have no policy or no members",
            hint="every village needs an effective policy, and every household at least one member",
        )
    timings["household_view"] = time.perf_counter() - t0
    say("running rules")
    views = {"household": base} | feed_views(base, feeds, tables["members"], cyc)
    parts = [compile_rule(rule, views[rule.view]) for rule in rules]
    hits_expr = ibis.union(*parts) if len(parts) > 1 else parts[0]
    hits = con.create_table("hits", hits_expr, temp=True, overwrite=True)
    timings["rules"] = time.perf_counter() - t0 - timings["household_view"]
    given = con.create_table(
        "covered",
        (covered if covered is not None else COVERED_SCHEMA.empty_table()),
        temp=True,
        overwrite=True,
    )
    cov = given.union(monitored_risks(tables["households"]).cast(given.schema()))
    say("raising leads")
    leads = con.to_pyarrow(
        _leads(hits, cov).order_by([ibis.desc("hits"), "pc_net_income", "household_id"])
    )
    hits_pa = con.to_pyarrow(hits.order_by(["household_id", "rule_id"]))
    hit_households = con.to_pyarrow(hits.household_id.nunique()).as_py()
    timings["total"] = time.perf_counter() - t0
    log.info(
        "screened cycle=%s households=%d without_income=%d hits=%d leads=%d",
        cycle,
        n_households,
        without_income,
        hits_pa.num_rows,
        leads.num_rows,
    )
    return ScreeningResult(
        cycle=cycle,
        households=n_households,
        hits=hits_pa,
        leads=leads,
        suppressed=hit_households - leads.num_rows,
        timings=timings,
        without_income=without_income,
    )
