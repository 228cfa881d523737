"""The screening plan: the views and rules compiled once into two SQL statements for DuckDB.

The rules and views stay Ibis expressions (``rules.py``, ``views.py``); here they are built over
*unbound* tables — a name and a schema, no connection — and compiled with Ibis's DuckDB
compiler:

- **hits**: the relations several others read (``views.Stages``: the member aggregates, the
  income records, the best annual and the chosen income, and the household view ``hh_base``)
  as ``MATERIALIZED`` common table expressions, each computed once; every rule's hits over
  them; and the two counts the run reports (households screened, households without income
  for the cycle) — one statement, so DuckDB plans the whole screening at once and nothing is
  written to a temporary table;
- **leads**: the hits (handed back as Arrow) against what is already covered.

The statements read their inputs by name (``snap_members``, ``feed_medical``, ``policy`` …);
the engine binds each name to its Parquet files or an Arrow table before it runs them. What
the SQL depends on — the cycle (its month and windows are literals), the rules and the schemas
of the inputs, the policy table's included — is the key of a small in-process cache, so a
second screening with the same key (other policy values, other feed rows, the calibration's
variants, a server's next run) does not compile again. A policy that adds, drops or retypes a
parameter has another schema and is compiled afresh; policy values are data, never SQL.

Another backend (Spark) would compile the same expressions with its own compiler and keep each
stage as a cached temporary view instead of a ``MATERIALIZED`` expression.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import sqlglot.expressions as sge
from ibis.backends.sql.compilers.duckdb import compiler

from bottomline.ingest.catalogue import FEEDS
from bottomline.registry.columns import EXTRA_TABLES, SNAPSHOT_TABLES
from bottomline.screening.rules import Rule, compile_rule
from bottomline.screening.views import Cycle, Stages, feed_views, household_view, leads_view

BASE = "hh_base"
HITS = "hits"
COVERED = "covered"
POLICY = "policy"
COVERED_SCHEMA = pa.schema([("household_id", pa.int64()), ("risk_type", pa.string())])
STATS = ("screened_households", "households_without_income")
CACHE_SIZE = 16


def snapshot_name(table: str) -> str:
    return f"snap_{table}"


def feed_name(feed: str) -> str:
    return f"feed_{feed}"


@dataclass(frozen=True, slots=True)
class Plan:
    hits_sql: str  # columns STATS, then the hits columns; one row with null hits when none
    leads_sql: str  # reads HITS (hits_schema) and COVERED (COVERED_SCHEMA)
    hits_schema: pa.Schema
    leads_schema: pa.Schema


Key = tuple[str, tuple[int, ...], tuple[tuple[str, pa.Schema], ...]]
_cache: OrderedDict[Key, tuple[tuple[Rule, ...], Plan]] = OrderedDict()
_lock = threading.Lock()
compiled = 0  # plans compiled in this process (tests read it)


def plan_for(cycle: Cycle, schemas: Mapping[str, pa.Schema], rules: tuple[Rule, ...]) -> Plan:
    """The compiled plan for the cycle, the inputs' schemas and the rules.

    ``schemas``: every table the statements read, by the name the SQL uses (``snapshot_name``
    of each snapshot table, ``feed_name`` of each feed, ``POLICY``)."""
    schemas = {name: _nullable(s) for name, s in schemas.items()}
    key: Key = (cycle.period, tuple(map(id, rules)), tuple(sorted(schemas.items())))
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit[1]
    plan = compile_plan(cycle, schemas, rules)
    with _lock:
        _cache[key] = (rules, plan)  # the rules are kept alive, so their ids stay theirs
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return plan


def _nullable(schema: pa.Schema) -> pa.Schema:
    """The schema as the SQL sees it: a view over Parquet files carries no NOT NULL."""
    return pa.schema([f.with_nullable(True) for f in schema])


def compile_plan(cycle: Cycle, schemas: Mapping[str, pa.Schema], rules: tuple[Rule, ...]) -> Plan:
    """Build the views and rules over unbound tables and compile them (no cache)."""
    global compiled
    tables = {
        name: ibis.table(ibis.Schema.from_pyarrow(_nullable(s)), name=name)
        for name, s in schemas.items()
    }
    snapshot = {t: tables[snapshot_name(t)] for t in (*SNAPSHOT_TABLES, *EXTRA_TABLES)}
    snapshot["policy"] = tables[POLICY]
    feeds = {f: tables[feed_name(f)] for f in FEEDS}
    stages = Stages()
    bound = stages.add(BASE, household_view(snapshot, cycle, feeds["medical"], stages))
    views = {"household": bound} | feed_views(bound, feeds, snapshot["members"], cycle)
    parts = [compile_rule(rule, views[rule.view]) for rule in rules]
    hits = ibis.union(*parts) if len(parts) > 1 else parts[0]
    stats = bound.aggregate(
        screened_households=bound.count(),
        households_without_income=(~bound.has_income).cast("int64").sum(),
    )
    covered = ibis.table(ibis.Schema.from_pyarrow(COVERED_SCHEMA), name=COVERED)
    leads = leads_view(
        ibis.table(hits.schema(), name=HITS), covered, snapshot["households"]
    ).order_by([ibis.desc("hits"), "pc_net_income", "household_id"])
    compiled += 1
    return Plan(
        hits_sql=_hits_statement(stages, hits, stats),
        leads_sql=_sql(compiler.to_sqlglot(leads)),
        hits_schema=hits.schema().to_pyarrow(),
        leads_schema=leads.schema().to_pyarrow(),
    )


def _hits_statement(stages: Stages, hits: ir.Table, stats: ir.Table) -> str:
    """WITH <stage> AS MATERIALIZED (…), …, hits AS (…), stats AS (…)
    SELECT * FROM stats LEFT JOIN hits ON TRUE ORDER BY household_id, rule_id."""
    final = (
        sge.select(sge.Star())
        .from_("stats", copy=False)
        .join(HITS, on=sge.true(), join_type="left", copy=False)
        .order_by(
            sge.column("household_id", table=HITS), sge.column("rule_id", table=HITS), copy=False
        )
    )
    for name, relation in stages.relations.items():
        final = final.with_(name, as_=compiler.to_sqlglot(relation), materialized=True, copy=False)
    final = final.with_(HITS, as_=compiler.to_sqlglot(hits), copy=False)
    final = final.with_("stats", as_=compiler.to_sqlglot(stats), copy=False)
    return _sql(final)


def _sql(query: sge.Expression) -> str:
    return query.sql(dialect=compiler.dialect, copy=False)
