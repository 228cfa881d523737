"""Run the data-quality rules and keep the "problem data" work queue (问题数据).

``run_checks`` does one check run in one transaction: every rule's findings for the scope go
into a temporary table with set-based SQL; then three statements reconcile them with the queue —
issues already open are kept (``last_run_id``), new findings open issues, and open issues of the
scope that were not found again are resolved (``resolved_run_id``). A rule that reads a
department feed with no data is skipped, and its open issues stay as they are: nothing was
checked, so nothing is resolved.
"""

from __future__ import annotations

import datetime as dt
import logging
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    cast,
    exists,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.db import driver_rows, record_batch, utcnow, write_scope
from bottomline.errors import InputFileError, PermissionDenied, UserError
from bottomline.ingest.enums import BatchStatus
from bottomline.ingest.models import IngestBatch
from bottomline.ingest.store import staged_files
from bottomline.quality.models import QualityIssue, QualityRun
from bottomline.quality.rules import DEATHS, RULES, CheckContext, QualityRule, Subject
from bottomline.regions import NATIONAL_CODE
from bottomline.registry.models import Household, Member
from bottomline.registry.queries import village_code_range
from bottomline.users.actor import Actor
from bottomline.users.enums import Role
from bottomline.users.scope import Scope
from bottomline.workdays import today_in_china

log = logging.getLogger(__name__)

OPEN, RESOLVED = "open", "resolved"
ALL_PERIODS = (0, 10**9)  # period indexes: every month a feed has
REFINE_CHUNK_ROWS = 200_000
WHOLE_REGISTRY = ("000000000000", "999999999999")

# (message, step, steps): the rule being checked, for progress bars.
Progress = Callable[[str, int, int], None]

ISSUES = typing.cast(Table, QualityIssue.__table__)
FOUND = Table(
    "quality_found",
    MetaData(),
    Column("rule_code", String(16), nullable=False),
    Column("subject", String(32), nullable=False),
    Column("household_id", BigInteger, nullable=False),
    Column("member_id", BigInteger),
    Column("village_code", String(12), nullable=False),
    Column("detail", JSON, nullable=False),
    Index("ix_quality_found_subject", "rule_code", "subject"),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    code: str
    found: int  # findings in this run
    opened: int  # of which new
    resolved: int  # open issues of the scope no longer found
    open: int  # open issues of the scope after the run
    skipped: str | None = None  # why the rule was not checked (no feed data)


@dataclass(frozen=True, slots=True)
class QualityRunResult:
    run_id: int
    scope_code: str
    today: dt.date
    households: int
    members: int
    rules: tuple[RuleOutcome, ...]

    @property
    def open(self) -> int:
        return sum(rule.open for rule in self.rules)

    @property
    def opened(self) -> int:
        return sum(rule.opened for rule in self.rules)

    @property
    def kept(self) -> int:
        return sum(rule.found for rule in self.rules) - self.opened

    @property
    def resolved(self) -> int:
        return sum(rule.resolved for rule in self.rules)


READ_ONLY = frozenset({Role.auditor})  # roles that read the queue but do not run the checks


def run_checks(
    *,
    engine: Engine,
    scope: Scope,
    feeds_dir: Path | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    snapshot_dir: Path | None = None,
) -> QualityRunResult:
    """Check the registry of the scope's region and update the work queue, as the scope's
    actor: one audited action (``quality.run``) in the run's transaction.

    Raises PermissionDenied for a read-only role, UnknownRegionError for a region not in the
    registry and UserError for an empty registry. ``today`` is the check date ages are computed at (default: today in China).
    ``snapshot_dir``: a registry snapshot of the store as it is (the month's, exported just
    before); the rules that read every member (``QualityRule.from_snapshot``) read it instead of
    the store's rows, with the same findings.
    """
    today = today or today_in_china()
    actor = scope.actor
    if actor.role in READ_ONLY:
        raise PermissionDenied(
            f"{actor} 只能查看，不能运行检查 / {actor} reads only and cannot run the checks",
            hint="由乡镇、县、市、省级用户运行检查 / township, county, city or province users run them",
        )
    scope_code = None if scope.level == "nation" else scope.region_code
    with write_scope(engine) as session:
        ctx = _context(session, scope_code, today)
        run = QualityRun(scope_code=scope.region_code, summary={})
        session.add(run)
        session.flush()
        connection = session.connection()
        result = _check(connection, run, ctx, feeds_dir, progress, snapshot_dir)
        run.finished_at = utcnow()
        run.summary = _summary(result)
        _audit_run(session, run, actor)
    log.info("quality run finished", extra={"run_id": result.run_id, **run.summary})
    return result


def _audit_run(session: Session, run: QualityRun, actor: Actor) -> None:
    summary = run.summary
    change = audit.Change(
        "quality.run",
        "quality_run",
        run.id,
        region_code=run.scope_code,
        after={
            key: summary[key]
            for key in ("today", "households", "members", "opened", "kept", "resolved")
            if key in summary
        },
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)


def _context(session: Session, scope_code: str | None, today: dt.date) -> CheckContext:
    if session.scalar(select(exists().where(Household.removed_at.is_(None)))) is not True:
        raise UserError(
            "登记库为空，没有可检查的农户 / the registry is empty: there are no households to check",
            hint="请先导入登记库，并确认用的是正确的数据库 / "
            "load the registry first, and check that this is the right store",
            reason="registry_empty",
        )
    if scope_code is None or scope_code == NATIONAL_CODE:
        low, high = WHOLE_REGISTRY
    else:
        low, high = village_code_range(session=session, region_code=scope_code)
    return CheckContext(low=low, high=high, today=today)


def _check(
    connection: Connection,
    run: QualityRun,
    ctx: CheckContext,
    feeds_dir: Path | None,
    progress: Progress | None,
    snapshot_dir: Path | None = None,
) -> QualityRunResult:
    _create_temp(connection, FOUND)
    skipped = _load_feeds(connection, feeds_dir)
    checked = _collect_all(connection, ctx, skipped, progress, snapshot_dir)
    _reconcile(connection, run.id, ctx, checked)
    outcomes = _outcomes(connection, run.id, ctx, skipped)
    households, members = _population(connection, ctx)
    _drop_temps(connection)
    return QualityRunResult(run.id, run.scope_code, ctx.today, households, members, outcomes)


def _collect_all(
    connection: Connection,
    ctx: CheckContext,
    skipped: dict[str, str],
    progress: Progress | None,
    snapshot_dir: Path | None = None,
) -> list[str]:
    """Collect the findings of every rule that can be checked; the codes of those rules."""
    checked = []
    for step, rule in enumerate(RULES):
        if progress is not None:
            progress(f"{rule.code} {rule.zh}", step, len(RULES))
        if rule.feed is None or rule.feed not in skipped:
            _collect(connection, rule, ctx, snapshot_dir)
            checked.append(rule.code)
    if progress is not None:
        progress("", len(RULES), len(RULES))
    return checked


def _create_temp(connection: Connection, table: Table) -> None:
    table.drop(connection, checkfirst=True)
    table.create(connection)


def _drop_temps(connection: Connection) -> None:
    for table in (FOUND, DEATHS):
        table.drop(connection, checkfirst=True)


# --- findings ------------------------------------------------------------------------------


def _collect(
    connection: Connection, rule: QualityRule, ctx: CheckContext, snapshot_dir: Path | None = None
) -> None:
    """Put the rule's findings into the temporary table FOUND."""
    if rule.refine is None:
        found = rule.query(ctx).subquery()
        subject = _subject(rule, found.c.household_id, found.c.member_id)
        columns = [literal_column(f"'{rule.code}'", String), subject, *found.c]
        connection.execute(
            insert(FOUND).from_select(
                ["rule_code", "subject", "household_id", "member_id", "village_code", "detail"],
                select(*columns),
            )
        )
        return
    rows = _refined(connection, rule, ctx, snapshot_dir)
    if rows:
        connection.execute(insert(FOUND), rows)


def _subject(rule: QualityRule, household_id: Any, member_id: Any) -> Any:
    key = member_id if rule.subject is Subject.member else household_id
    return literal_column(f"'{rule.subject.value}:'", String) + cast(key, String)


def _refined(
    connection: Connection, rule: QualityRule, ctx: CheckContext, snapshot_dir: Path | None
) -> list[dict[str, Any]]:
    """Run the rule's query in chunks and its vectorised ``refine`` step on each (its rows
    from the snapshot where it reads one and one is given)."""
    assert rule.refine is not None
    rows: list[dict[str, Any]] = []
    if snapshot_dir is not None and rule.from_snapshot is not None:
        table = rule.from_snapshot(snapshot_dir, ctx)
        for start in range(0, table.num_rows, REFINE_CHUNK_ROWS):
            rows += rule.refine(table.slice(start, REFINE_CHUNK_ROWS), ctx)
    else:
        stmt = rule.query(ctx)
        schema = _arrow_schema(stmt)
        for chunk in driver_rows(connection, stmt, REFINE_CHUNK_ROWS):
            rows += rule.refine(pa.Table.from_batches([record_batch(chunk, schema)]), ctx)
    for row in rows:
        key = row["member_id"] if rule.subject is Subject.member else row["household_id"]
        row |= {"rule_code": rule.code, "subject": f"{rule.subject.value}:{key}"}
    return rows


def _arrow_schema(stmt: Any) -> pa.Schema:
    """int64 for integer columns, string for the rest (typed: inferring ints is slow)."""
    return pa.schema(
        (c.name, pa.int64() if isinstance(c.type, Integer) else pa.string())
        for c in stmt.selected_columns
    )


# --- department feeds ----------------------------------------------------------------------


def _load_feeds(connection: Connection, feeds_dir: Path | None) -> dict[str, str]:
    """Load the feeds rules read into temporary tables; the feeds without data, with why."""
    skipped: dict[str, str] = {}
    feeds = {rule.feed for rule in RULES if rule.feed is not None}
    for feed in sorted(feeds):
        reason = FEED_LOADERS[feed](connection, feeds_dir)
        if reason is not None:
            skipped[feed] = reason
    return skipped


def _load_deaths(connection: Connection, feeds_dir: Path | None) -> str | None:
    """Fill DEATHS from the public-security feed's committed batches; why not, if it cannot."""
    files = staged_files(feeds_dir, "public_security", *ALL_PERIODS)
    batches = _committed_batches(connection, "public_security")
    if not files or not batches:
        return "no public_security feed data"
    deaths = _death_rows(files, batches)
    _create_temp(connection, DEATHS)
    if deaths.num_rows:
        connection.execute(insert(DEATHS), deaths.to_pylist())
    return None


def _committed_batches(connection: Connection, feed: str) -> list[int]:
    committed = IngestBatch.status == BatchStatus.committed.value
    stmt = select(IngestBatch.id).where(IngestBatch.feed == feed, committed)
    return list(connection.scalars(stmt))


def _death_rows(files: list[Path], batches: list[int]) -> pa.Table:
    """Members reported dead, with the earliest reported death date."""
    death = (pc.field("event") == "death") & pc.field("batch_id").isin(batches)
    try:
        table = ds.dataset(files, format="parquet").to_table(
            columns=["member_id", "event_date"], filter=death
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(
            f"无法读取公安部门数据文件 / "
            f"cannot read the public_security feed files under {files[0].parent.parent}: {exc}",
            hint="重新导入该数据，或移走损坏的文件 / re-import the feed or move the damaged file away",
            reason="feed_files_unreadable",
        ) from None
    table = table.filter(pc.is_valid(table["member_id"]))
    return (
        table.group_by("member_id")
        .aggregate([("event_date", "min")])
        .rename_columns(["member_id", "event_date"])
    )


FEED_LOADERS: dict[str, Callable[[Connection, Path | None], str | None]] = {
    "public_security": _load_deaths,
}


# --- the queue -----------------------------------------------------------------------------


def _reconcile(connection: Connection, run_id: int, ctx: CheckContext, checked: list[str]) -> None:
    """Keep, open and resolve issues (counted afterwards: rowcount is not portable here)."""
    connection.execute(_keep(run_id))
    connection.execute(_open(run_id))
    connection.execute(_resolve(run_id, ctx, checked))


def _keep(run_id: int) -> Any:
    """Open issues found again: seen in this run, with this run's detail and village."""
    return (
        update(ISSUES)
        .where(
            ISSUES.c.status == OPEN,
            ISSUES.c.rule_code == FOUND.c.rule_code,
            ISSUES.c.subject == FOUND.c.subject,
        )
        .values(
            last_run_id=run_id,
            detail=FOUND.c.detail,
            village_code=FOUND.c.village_code,
            household_id=FOUND.c.household_id,
        )
    )


def _open(run_id: int) -> Any:
    """Findings without an open issue become open issues."""
    already = (
        select(ISSUES.c.id)
        .where(
            ISSUES.c.status == OPEN,
            ISSUES.c.rule_code == FOUND.c.rule_code,
            ISSUES.c.subject == FOUND.c.subject,
        )
        .exists()
    )
    run = literal_column(str(int(run_id)), BigInteger)
    columns = ["rule_code", "subject", "household_id", "member_id", "village_code", "detail"]
    rows = select(
        *(FOUND.c[name] for name in columns), literal_column(f"'{OPEN}'", String), run, run
    )
    return insert(ISSUES).from_select(
        [*columns, "status", "first_run_id", "last_run_id"], rows.where(~already)
    )


def _resolve(run_id: int, ctx: CheckContext, checked: list[str]) -> Any:
    """Open issues of the scope's checked rules that this run did not find."""
    return (
        update(ISSUES)
        .where(
            ISSUES.c.status == OPEN,
            ISSUES.c.village_code.between(ctx.low, ctx.high),
            ISSUES.c.rule_code.in_(checked),
            ISSUES.c.last_run_id != run_id,
        )
        .values(status=RESOLVED, resolved_run_id=run_id)
    )


def _outcomes(
    connection: Connection, run_id: int, ctx: CheckContext, skipped: dict[str, str]
) -> tuple[RuleOutcome, ...]:
    found = _by_rule(connection, select(FOUND.c.rule_code, func.count()), FOUND.c.rule_code)
    opened = _issue_counts(connection, ISSUES.c.first_run_id == run_id)
    resolved = _issue_counts(connection, ISSUES.c.resolved_run_id == run_id)
    still = _issue_counts(
        connection, ISSUES.c.status == OPEN, ISSUES.c.village_code.between(ctx.low, ctx.high)
    )
    return tuple(
        RuleOutcome(
            code=rule.code,
            found=found.get(rule.code, 0),
            opened=opened.get(rule.code, 0),
            resolved=resolved.get(rule.code, 0),
            open=still.get(rule.code, 0),
            skipped=skipped.get(rule.feed) if rule.feed else None,
        )
        for rule in RULES
    )


def _issue_counts(connection: Connection, *where: Any) -> dict[str, int]:
    stmt = select(ISSUES.c.rule_code, func.count()).where(*where)
    return _by_rule(connection, stmt, ISSUES.c.rule_code)


def _by_rule(connection: Connection, stmt: Any, code: Any) -> dict[str, int]:
    return {row[0]: row[1] for row in connection.execute(stmt.group_by(code))}


def _population(connection: Connection, ctx: CheckContext) -> tuple[int, int]:
    """Active households and members in scope."""
    in_scope = (Household.removed_at.is_(None), Household.village_code.between(ctx.low, ctx.high))
    households = connection.scalar(select(func.count()).select_from(Household).where(*in_scope))
    members = connection.scalar(
        select(func.count())
        .select_from(Member)
        .join(Household, Member.household_id == Household.id)
        .where(Member.removed_at.is_(None), *in_scope)
    )
    return households or 0, members or 0


def _summary(result: QualityRunResult) -> dict[str, Any]:
    return {
        "rules": {rule.code: rule.found for rule in result.rules if rule.skipped is None},
        "skipped": {rule.code: rule.skipped for rule in result.rules if rule.skipped},
        "opened": result.opened,
        "kept": result.kept,
        "resolved": result.resolved,
        "households": result.households,
        "members": result.members,
        "today": result.today.isoformat(),
    }
