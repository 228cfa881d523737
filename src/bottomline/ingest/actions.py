"""Import one department batch: every row accepted, rejected with a reason, or unmatched.

``import_feed`` streams the source chunk by chunk (memory stays bounded by the chunk size),
checks each chunk against the feed's schema (``validate``), matches people by ID number
(``match``), and writes accepted rows, unmatched rows and the rejects report into the batch's
incoming directory. At the end it finds exact duplicate rows, tries the secondary match by
name and birth date for unmatched rows, checks that accepted + rejected + unmatched = rows in,
commits the batch row, and only then moves the accepted file into the feed store by one rename.

All or nothing: before the commit nothing is visible to readers; a crash leaves an
``importing`` batch and an incoming directory that the next import (``recover``) clears, so
the retry succeeds. After the commit a crash can only leave the final rename undone, which
``recover`` completes. Idempotent: a file whose content (SHA-256) was committed before is not
imported again.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError as DBIntegrityError
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.config import get_settings
from bottomline.db import utcnow
from bottomline.errors import (
    ConflictError,
    InputFileError,
    IntegrityError,
    PermissionDenied,
    UserError,
)
from bottomline.ids import id_problem, mask_id, mask_name, problem_label
from bottomline.ingest.batches import (
    OverlapError,
    Replacement,
    check_replaceable,
    check_retiring_role,
    supersede,
)
from bottomline.ingest.catalogue import (
    FEEDS,
    Feed,
    parse_period,
    period_end,
    period_index,
    staged_schema,
)
from bottomline.ingest.enums import BatchStatus, RejectReason, Unmatched
from bottomline.ingest.match import Matches, MemberIndex
from bottomline.ingest.models import IngestBatch, IngestReason
from bottomline.ingest.overlap import batch_files, find_overlaps
from bottomline.ingest.store import (
    import_lock,
    incoming_dir,
    publish,
    retire_files,
    staged_path,
    unmatched_path,
)
from bottomline.ingest.validate import Checked, check_chunk, map_headers
from bottomline.registry.queries import member_index
from bottomline.sources import Source, SourceChunk, open_source, source_from_table
from bottomline.spreadsheet import REJECT_HEADER, ReportWriter
from bottomline.users.actor import Actor
from bottomline.users.enums import Role

log = logging.getLogger(__name__)

Progress = Callable[[int], None]  # rows read so far
UNMATCHED_HEADER = (
    "文件 file",
    "工作表 sheet",
    "行号 row",
    "证件号码 ID (masked)",
    "姓名 name (masked)",
    "代码 code",
    "原因",
    "reason",
    "候选成员 candidate member_id",
)


@dataclass(slots=True)
class ReasonCount:
    code: str
    column: str  # the department's header for the column ("" for whole-row reasons)
    rows: int
    zh: str
    en: str


@dataclass(slots=True)
class ImportReport:
    batch_id: int
    feed: str
    period: str
    source: str
    status: str  # "committed" or "already_imported"
    rows_in: int = 0
    accepted: int = 0
    rejected: int = 0
    unmatched: int = 0
    needs_confirmation: int = 0
    reasons: list[ReasonCount] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    staged: Path | None = None
    rejects: Path | None = None
    unmatched_report: Path | None = None
    seconds: float = 0.0
    replaced: int | None = None  # the batch this one superseded

    @property
    def balanced(self) -> bool:
        return self.accepted + self.rejected + self.unmatched == self.rows_in


def feed_named(name: str) -> Feed:
    feed = FEEDS.get(name)
    if feed is None:
        raise InputFileError(
            f"没有这种部门数据 / unknown feed {name!r}",
            hint=f"可选 / choose one of: {', '.join(sorted(FEEDS))}",
        )
    return feed


def open_feed_file(path: Path, *, feed: str, encoding: str | None = None) -> Source:
    """Open a department file as ``feed`` expects it (its headers find the header row)."""
    spec = feed_named(feed)
    required = sum(1 for c in spec.columns if c.required)
    return open_source(
        path, known_headers=spec.known_headers, min_known=max(2, required // 2), encoding=encoding
    )


def registry_members(engine: Engine) -> MemberIndex:
    """The index of registry members that rows are matched against, read from the store."""
    with engine.connect() as connection:
        return MemberIndex(member_index(connection=connection))


# Who sends department files into the store; a department user only its own feeds.
FEED_IMPORTERS = frozenset({Role.county, Role.city, Role.province, Role.department, Role.system})


def check_importer(actor: Actor, feed: str) -> None:
    """Refuse a user whose role does not send department files, or whose token does not send
    ``feed`` (a department user sends only the feeds its token names)."""
    if actor.role not in FEED_IMPORTERS:
        raise PermissionDenied(
            f"{actor} 不能导入部门数据 / {actor} cannot import department files",
            hint="由县、市、省级用户或该部门导入 / county, city or province users or the "
            "department import them",
        )
    if (actor.feeds is not None or actor.role is Role.department) and feed not in (
        actor.feeds or ()
    ):
        raise PermissionDenied(
            f"{actor} 的令牌不能报送 {feed} / {actor}'s token does not send {feed}",
            hint="用签发给该数据的令牌 / use a token issued for that feed",
        )


def import_feed(
    source: Source,
    *,
    engine: Engine,
    actor: Actor,
    feed: str,
    period: str,
    members: MemberIndex,
    feeds_dir: Path,
    reports_dir: Path,
    progress: Progress | None = None,
    replaces: Replacement | None = None,
    batch_key: str | None = None,
) -> ImportReport:
    """Import ``source`` as one batch of ``feed`` for ``period``; see the module docstring.

    ``batch_key`` is a pushing system's own name for the batch (a source from
    :func:`pushed_source`): the same key with the same rows again is the batch already
    imported; the same key with other rows is refused (:class:`ConflictError`), so a system
    that re-sends after a timeout never imports twice and never overwrites by mistake.

    A committed batch is one audited action of ``actor`` (``ingest.import``, in the commit's
    transaction); a role that does not import department files is refused before anything is
    read.

    Rows that a committed batch of the same feed and period already holds (a re-sent file)
    refuse the import (:class:`OverlapError`) unless ``replaces`` names that batch: the new
    batch then supersedes it in the commit's transaction, audited (``batches.supersede``).
    """
    if replaces is not None:  # who may replace a batch is the narrower question: asked first
        check_retiring_role(replaces.actor)
    check_importer(actor, feed)
    spec, period = feed_named(feed), parse_period(period)
    mapping, ignored = map_headers(source, spec)
    with import_lock(feeds_dir):
        recover(engine=engine, feeds_dir=feeds_dir)
        if replaces is not None:
            check_replaceable(engine, replaces, feed=feed, period=period)
        if batch_key is not None:
            pushed = _pushed_as(engine, feed, batch_key)
            if pushed is not None:
                if (pushed.content_sha256, pushed.period) != (source.sha256, period):
                    raise ConflictError(
                        f"批次键 {batch_key!r} 已用于另一批数据（批次 {pushed.id}） / batch key "
                        f"{batch_key!r} was used for other rows (batch {pushed.id})",
                        hint="新的一批用新的批次键；更正已报送的批次请先撤回 / use a new key for "
                        "a new batch; withdraw the sent batch to correct it",
                    )
                return _already_imported(pushed)
        earlier = _committed_with(engine, source.sha256)
        for batch in earlier:
            if (batch.feed, batch.period) == (feed, period):
                return _already_imported(batch)
        batch_id = _open_batch(engine, source, feed, period)
        try:
            # One DuckDB for the batch's end steps (duplicates, secondary match, overlap).
            with _duckdb(incoming_dir(feeds_dir, batch_id)) as con:
                report = _run(
                    source, spec, period, batch_id, mapping, members, feeds_dir, reports_dir,
                    progress, con,
                )  # fmt: skip
                report.ignored_columns = ignored
                report.warnings += _same_content_warning(earlier)
                _refuse_overlap(con, engine, report, spec, feeds_dir, replaces)
            _commit(engine, report, feeds_dir, actor, replaces)
        except BaseException as err:
            _fail(engine, batch_id, err, feeds_dir, reports_dir)
            raise
        _publish(feeds_dir, report)
        if replaces is not None:
            retire_files(feeds_dir, feed, period, replaces.batch_id)
            report.replaced = replaces.batch_id
    log.info(
        "batch committed batch_id=%d feed=%s period=%s rows_in=%d accepted=%d rejected=%d unmatched=%d",
        batch_id,
        feed,
        period,
        report.rows_in,
        report.accepted,
        report.rejected,
        report.unmatched,
    )
    return report


# ---------------------------------------------------------------- batch rows


def _committed_with(engine: Engine, sha256: str) -> list[IngestBatch]:
    with Session(engine) as session:
        stmt = select(IngestBatch).where(
            IngestBatch.content_sha256 == sha256, IngestBatch.status == BatchStatus.committed
        )
        return list(session.scalars(stmt.order_by(IngestBatch.id)))


PUSH_PREFIX = "push:"
BATCH_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")


def pushed_source(table: pa.Table, *, batch_key: str) -> Source:
    """A source over the rows a department's system pushed, named by its batch key."""
    if not BATCH_KEY.match(batch_key):
        raise UserError(
            f"批次键 {batch_key!r} 不可用 / batch key {batch_key!r} is not usable",
            hint="用 1 至 100 个字母、数字、'.'、'_'、':' 或 '-' / use 1-100 letters, digits, "
            "'.', '_', ':' or '-'",
        )
    return source_from_table(table, name=PUSH_PREFIX + batch_key)


def _pushed_as(engine: Engine, feed: str, batch_key: str) -> IngestBatch | None:
    with Session(engine) as session:
        stmt = select(IngestBatch).where(
            IngestBatch.feed == feed,
            IngestBatch.source_name == PUSH_PREFIX + batch_key,
            IngestBatch.status == BatchStatus.committed,
        )
        return session.scalars(stmt.order_by(IngestBatch.id.desc()).limit(1)).first()


def _already_imported(batch: IngestBatch) -> ImportReport:
    return ImportReport(
        batch_id=batch.id,
        feed=batch.feed,
        period=batch.period,
        source=batch.source_name,
        status="already_imported",
        rows_in=batch.rows_in,
        accepted=batch.accepted,
        rejected=batch.rejected,
        unmatched=batch.unmatched,
        needs_confirmation=batch.needs_confirmation,
    )


def _same_content_warning(earlier: list[IngestBatch]) -> list[str]:
    if not earlier:
        return []
    b = earlier[-1]
    return [
        f"内容与批次 {b.id}（{b.feed} {b.period}）完全相同，请确认是本月数据 / the content is "
        f"identical to batch {b.id} ({b.feed} {b.period}): check that this is the right month"
    ]


def _open_batch(engine: Engine, source: Source, feed: str, period: str) -> int:
    with Session(engine) as session, session.begin():
        batch = IngestBatch(
            feed=feed,
            period=period,
            status=BatchStatus.importing,
            source_name=source.name[:255],
            source_format=source.format,
            encoding=source.encoding,
            content_sha256=source.sha256,
            size_bytes=source.size_bytes,
        )
        session.add(batch)
        session.flush()
        return batch.id


def _refuse_overlap(
    con: duckdb.DuckDBPyConnection,
    engine: Engine,
    report: ImportReport,
    spec: Feed,
    feeds_dir: Path,
    replaces: Replacement | None,
) -> None:
    """OverlapError when a committed batch of the month (other than the one replaced) already
    holds rows of this one."""
    with Session(engine) as session:
        ids = session.scalars(
            select(IngestBatch.id).where(
                IngestBatch.feed == report.feed,
                IngestBatch.period == report.period,
                IngestBatch.status == BatchStatus.committed,
                IngestBatch.id != report.batch_id,
            )
        ).all()
    skip = replaces.batch_id if replaces is not None else None
    earlier = {i: batch_files(feeds_dir, report.feed, report.period, i) for i in ids if i != skip}
    work = incoming_dir(feeds_dir, report.batch_id)
    new = [p for p in (work / "accepted.parquet", work / "unmatched.parquet") if p.exists()]
    overlaps = find_overlaps(con, spec=spec, new_files=new, earlier=earlier)
    if overlaps:
        raise OverlapError(report.source, report.feed, report.period, overlaps)


def _commit(
    engine: Engine,
    report: ImportReport,
    feeds_dir: Path,
    actor: Actor,
    replaces: Replacement | None = None,
) -> None:
    values = {
        "status": BatchStatus.committed,
        "rows_in": report.rows_in,
        "accepted": report.accepted,
        "rejected": report.rejected,
        "unmatched": report.unmatched,
        "needs_confirmation": report.needs_confirmation,
        "staged_path": str(staged_path(Path("."), report.feed, report.period, report.batch_id)),
        "report_dir": str(report.rejects.parent) if report.rejects else None,
        "finished_at": utcnow(),
    }
    try:
        with Session(engine) as session, session.begin():
            session.execute(
                update(IngestBatch).where(IngestBatch.id == report.batch_id).values(**values)
            )
            session.add_all(
                IngestReason(batch_id=report.batch_id, code=r.code, column=r.column, rows=r.rows)
                for r in report.reasons
            )
            if replaces is not None:
                supersede(session, replaces, new_batch_id=report.batch_id)
            _audit_import(session, report, actor)
    except DBIntegrityError:
        raise InputFileError(
            f"{report.source} 已被另一进程同时导入 / {report.source} was imported by another "
            "process while this import ran",
            hint="无需再做什么：另一次导入已保存这些行 / nothing more to do: the other import "
            "holds the rows",
        ) from None


def _audit_import(session: Session, report: ImportReport, actor: Actor) -> None:
    change = audit.Change(
        "ingest.import",
        "ingest_batch",
        report.batch_id,
        region_code=actor.region_code,
        after={
            "feed": report.feed,
            "period": report.period,
            "rows_in": report.rows_in,
            "accepted": report.accepted,
            "rejected": report.rejected,
            "unmatched": report.unmatched,
        },
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)


def _fail(
    engine: Engine, batch_id: int, err: BaseException, feeds_dir: Path, reports_dir: Path
) -> None:
    shutil.rmtree(incoming_dir(feeds_dir, batch_id), ignore_errors=True)
    shutil.rmtree(reports_dir / f"batch-{batch_id}", ignore_errors=True)
    message = getattr(err, "message", None) or type(err).__name__  # never row values
    try:
        with Session(engine) as session, session.begin():
            session.execute(
                update(IngestBatch)
                .where(IngestBatch.id == batch_id, IngestBatch.status == BatchStatus.importing)
                .values(status=BatchStatus.failed, error=str(message)[:2000], finished_at=utcnow())
            )
    except Exception:  # the store is unreachable: recover() marks the batch later
        log.exception("could not mark batch %d failed", batch_id)


def _publish(feeds_dir: Path, report: ImportReport) -> None:
    """Move the committed batch's files into the feed store (also used by ``recover``)."""
    work = incoming_dir(feeds_dir, report.batch_id)
    accepted, unmatched = work / "accepted.parquet", work / "unmatched.parquet"
    target = staged_path(feeds_dir, report.feed, report.period, report.batch_id)
    if accepted.exists():
        publish(accepted, target)
    if unmatched.exists():
        publish(unmatched, unmatched_path(feeds_dir, report.feed, report.period, report.batch_id))
    shutil.rmtree(work, ignore_errors=True)
    report.staged = target


def recover(*, engine: Engine, feeds_dir: Path) -> list[int]:
    """Finish or clear what stopped imports left; call with the import lock held.

    A committed batch whose accepted file is still in its incoming directory is moved into
    place; an ``importing`` batch is marked interrupted and its work removed. Returns the ids
    of the batches that were interrupted.
    """
    with Session(engine) as session, session.begin():
        stuck = list(
            session.scalars(select(IngestBatch).where(IngestBatch.status == BatchStatus.importing))
        )
        for batch in stuck:
            batch.status = BatchStatus.interrupted
            batch.finished_at = utcnow()
            batch.error = "the import process stopped before the batch was committed"
        committed = {
            row.id: ImportReport(row.id, row.feed, row.period, row.source_name, "committed")
            for row in session.execute(
                select(
                    IngestBatch.id, IngestBatch.feed, IngestBatch.period, IngestBatch.source_name
                ).where(IngestBatch.status == BatchStatus.committed)
            )
        }
        interrupted = [b.id for b in stuck]
        retired = session.execute(
            select(IngestBatch.id, IngestBatch.feed, IngestBatch.period).where(
                IngestBatch.status.in_([BatchStatus.superseded, BatchStatus.withdrawn])
            )
        ).all()
    for batch_id, feed, period in retired:  # retired in the store, files not yet moved
        retire_files(feeds_dir, feed, period, batch_id)
    root = feeds_dir / "_incoming"
    for work in sorted(root.glob("batch-*")) if root.is_dir() else []:
        batch_id = int(work.name.removeprefix("batch-"))
        done = committed.get(batch_id)
        if done is not None:
            _publish(feeds_dir, done)
            log.warning("recovered committed batch_id=%d", batch_id)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return interrupted


# ---------------------------------------------------------------- the staging run


@dataclass(slots=True)
class _Run:
    source: Source
    spec: Feed
    period: str
    batch_id: int
    mapping: dict[str, str]
    members: MemberIndex
    work: Path
    accepted: pq.ParquetWriter
    unmatched: pq.ParquetWriter
    rejects: ReportWriter
    con: duckdb.DuckDBPyConnection  # the batch's DuckDB (its spill directory is in ``work``)
    reasons: dict[tuple[str, str], int] = field(default_factory=dict)
    rows_in: int = 0
    rejected: int = 0
    ordinal: int = 0
    # Parquet is written on a second thread while the next chunk is checked (Arrow releases
    # the GIL while it encodes); one write waits at most, so memory stays bounded.
    _writer: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1))
    _pending: list[Future[None]] = field(default_factory=list)

    def write(self, writer: pq.ParquetWriter, table: pa.Table) -> None:
        while len(self._pending) > 1:
            self._pending.pop(0).result()
        self._pending.append(self._writer.submit(writer.write_table, table))

    def flush(self) -> None:
        try:
            for future in self._pending:
                future.result()
        finally:
            self._pending.clear()
            self._writer.shutdown(wait=True)


def _run(
    source: Source,
    spec: Feed,
    period: str,
    batch_id: int,
    mapping: dict[str, str],
    members: MemberIndex,
    feeds_dir: Path,
    reports_dir: Path,
    progress: Progress | None,
    con: duckdb.DuckDBPyConnection,
) -> ImportReport:
    start = time.perf_counter()
    work = incoming_dir(feeds_dir, batch_id)
    work.mkdir(parents=True, exist_ok=True)
    report_dir = reports_dir / f"batch-{batch_id}"
    run = _Run(
        source=source,
        spec=spec,
        period=period,
        batch_id=batch_id,
        mapping=mapping,
        members=members,
        work=work,
        accepted=pq.ParquetWriter(
            work / "accepted.part", _accepted_schema(spec), compression="zstd"
        ),
        unmatched=pq.ParquetWriter(
            work / "unmatched.part", _unmatched_schema(spec), compression="zstd"
        ),
        rejects=ReportWriter(report_dir / "rejects.csv", REJECT_HEADER),
        con=con,
    )
    try:
        _read_all(run, progress)
        duplicates = _drop_duplicates(run)
        confirm = _secondary_match(run)
    except BaseException:
        run.rejects.discard()
        raise
    run.rejects.close()
    report = _report(run, duplicates, confirm, report_dir)
    report.seconds = time.perf_counter() - start
    return report


def _read_all(run: _Run, progress: Progress | None) -> None:
    try:
        latest = period_end(run.period)
        for chunk in prefetched(run.source.chunks()):
            _take_chunk(run, chunk, latest)
            if progress:
                progress(run.rows_in)
    finally:
        run.flush()
        run.accepted.close()
        run.unmatched.close()


def _accepted_schema(spec: Feed) -> pa.Schema:
    return staged_schema(spec)


def _unmatched_schema(spec: Feed) -> pa.Schema:
    own = [f for f in staged_schema(spec) if f.name not in ("household_id", "member_id")]
    return pa.schema(
        [
            *own,
            pa.field("reason", pa.string(), nullable=False),
            pa.field("candidate_member_id", pa.int64()),
            pa.field("candidate_household_id", pa.int64()),
        ]
    )


def _take_chunk(run: _Run, chunk: SourceChunk, latest: dt.date) -> None:
    run.rows_in += chunk.rows
    for bad in chunk.malformed:
        run.rejects.write(
            [
                run.source.name,
                chunk.sheet or "",
                bad.row,
                "",
                "",
                RejectReason.malformed.value,
                bad.reason_zh,
                bad.reason_en,
            ]
        )
        _count(run, RejectReason.malformed.value, "")
    run.rejected += len(chunk.malformed)
    checked = check_chunk(chunk.table, run.spec, run.mapping, latest=latest)
    _write_rejects(run, chunk, checked)
    ordinals = np.arange(run.ordinal, run.ordinal + chunk.table.num_rows, dtype=np.int64)
    run.ordinal += chunk.table.num_rows
    valid = ~checked.rejected
    if not valid.any():
        return
    values = _subset(checked.values, valid)
    rows, ords = chunk.row_numbers[valid], ordinals[valid]
    matches = run.members.match(values["id_number"], checked=True)
    lineage = _lineage(run, chunk, rows, ords)
    _write_accepted(run, values, lineage, matches)
    _write_unmatched(run, values, lineage, matches)


def _count(run: _Run, code: str, column: str, rows: int = 1) -> None:
    run.reasons[(code, column)] = run.reasons.get((code, column), 0) + rows


def _write_rejects(run: _Run, chunk: SourceChunk, checked: Checked) -> None:
    run.rejected += int(checked.rejected.sum())
    for problem in checked.problems:
        col = run.spec.column(problem.column)
        header = run.mapping.get(problem.column, col.header)
        raw = chunk.table[header].to_pylist() if problem.column in run.mapping else None
        rows = np.nonzero(problem.rows)[0]
        _count(run, problem.reason.value, header, len(rows))
        for i in rows:
            value = raw[i] if raw is not None else ""
            shown = mask_id(value) if col.personal else value[:100]
            zh, en = _reason_text(
                problem.reason, problem.detail_zh, problem.detail_en, col.name, value
            )
            run.rejects.write(
                [
                    run.source.name,
                    chunk.sheet or "",
                    int(chunk.row_numbers[i]),
                    header,
                    shown,
                    problem.reason.value,
                    zh,
                    en,
                ]
            )


def _reason_text(
    reason: RejectReason, zh: str, en: str, column: str, value: str
) -> tuple[str, str]:
    if reason is RejectReason.bad_id:
        kind = id_problem(value.strip().upper())
        if kind is not None:
            label_zh, label_en = problem_label(kind)
            return f"{reason.zh}：{label_zh}", f"{reason.en}: {label_en}"
    return (f"{reason.zh}（{zh}）" if zh else reason.zh, f"{reason.en} ({en})" if en else reason.en)


def _lineage(
    run: _Run, chunk: SourceChunk, rows: np.ndarray, ords: np.ndarray
) -> dict[str, pa.Array]:
    n = len(rows)
    return {
        "period": pa.repeat(pa.scalar(run.period), n),
        "period_index": pa.repeat(pa.scalar(period_index(run.period), pa.int32()), n),
        "batch_id": pa.repeat(pa.scalar(run.batch_id, pa.int64()), n),
        "source_file": pa.repeat(pa.scalar(run.source.name), n),
        "source_sheet": pa.repeat(pa.scalar(chunk.sheet, pa.string()), n),
        "source_row": pa.array(rows),
        "source_ordinal": pa.array(ords),
    }


def _subset(columns: dict[str, pa.Array], mask: np.ndarray) -> dict[str, pa.Array]:
    if mask.all():
        return columns
    keep = pa.array(mask)
    return {name: pc.filter(arr, keep) for name, arr in columns.items()}


def _write_accepted(
    run: _Run, values: dict[str, pa.Array], lineage: dict[str, pa.Array], m: Matches
) -> None:
    found = m.found
    if not found.any():
        return
    columns = _subset({**values, **lineage}, found)
    columns["member_id"] = pa.array(m.member_id[found])
    columns["household_id"] = pa.array(m.household_id[found])
    schema = run.accepted.schema
    run.write(run.accepted, pa.table([columns[f.name] for f in schema], schema=schema))


def _write_unmatched(
    run: _Run, values: dict[str, pa.Array], lineage: dict[str, pa.Array], m: Matches
) -> None:
    missing = ~m.found
    if not missing.any():
        return
    columns = _subset({**values, **lineage}, missing)
    reason = np.where(
        m.ambiguous[missing], Unmatched.ambiguous.value, Unmatched.not_in_registry.value
    )
    columns["reason"] = pa.array(reason.astype(object), pa.string())
    n = int(missing.sum())
    columns["candidate_member_id"] = pa.nulls(n, pa.int64())
    columns["candidate_household_id"] = pa.nulls(n, pa.int64())
    schema = run.unmatched.schema
    run.write(run.unmatched, pa.table([columns[f.name] for f in schema], schema=schema))


def prefetched(chunks: Iterator[SourceChunk]) -> Iterator[SourceChunk]:
    """Read the next chunk on a second thread while this one is checked (at most one ahead)."""
    with ThreadPoolExecutor(1) as pool:
        ahead = pool.submit(next, chunks, None)
        while (chunk := ahead.result()) is not None:
            ahead = pool.submit(next, chunks, None)
            yield chunk


# ---------------------------------------------------------------- end of batch


DUCKDB_MEMORY = "2GB"  # the end-of-batch steps spill to the batch's work directory beyond this


def _duckdb(work: Path) -> duckdb.DuckDBPyConnection:
    """An in-process DuckDB for the end-of-batch steps, with bounded memory."""
    settings = get_settings()
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{settings.duckdb_memory_limit or DUCKDB_MEMORY}'")
    con.execute(f"SET temp_directory = '{work / 'spill'}'")
    con.execute("SET preserve_insertion_order = false")
    if settings.duckdb_threads:
        con.execute(f"SET threads = {int(settings.duckdb_threads)}")
    return con


def _own_columns(spec: Feed) -> list[str]:
    return [c.name for c in spec.columns]


def _drop_duplicates(run: _Run) -> int:
    """Reject exact repeats of an earlier row (all the feed's columns equal); returns how many."""
    files = [str(run.work / "accepted.part"), str(run.work / "unmatched.part")]
    cols = ", ".join(f'"{c}"' for c in _own_columns(run.spec))
    con = run.con
    # Two streaming scans, no shared CTE (DuckDB would materialise it): the first finds the
    # hashes seen more than once, the second compares only those rows, column by column.
    con.execute(
        f"""
        CREATE TEMP TABLE dup AS
        WITH keys AS (SELECT hash({cols}) AS h FROM read_parquet($1, union_by_name = true)
                      GROUP BY h HAVING count(*) > 1),
             maybe AS (SELECT {cols}, source_sheet, source_row, source_ordinal
                       FROM read_parquet($1, union_by_name = true)
                       WHERE hash({cols}) IN (SELECT h FROM keys))
        SELECT source_ordinal, source_sheet, source_row,
               first_value(source_row) OVER w AS first_row
        FROM maybe
        WINDOW w AS (PARTITION BY {cols} ORDER BY source_ordinal)
        QUALIFY row_number() OVER w > 1
        """,
        [files],
    )
    dups = con.execute(
        "SELECT source_ordinal, source_sheet, source_row, first_row FROM dup ORDER BY source_ordinal"
    ).fetchall()
    if dups:
        for path in files:
            con.execute(
                f"COPY (SELECT * FROM read_parquet('{path}') WHERE source_ordinal NOT IN (SELECT source_ordinal FROM dup) ORDER BY source_ordinal) "
                f"TO '{path}.dedup' (FORMAT parquet, COMPRESSION zstd)"
            )
            Path(path + ".dedup").replace(path)
    con.execute("DROP TABLE dup")
    for _ordinal, sheet, row, first in dups:
        run.rejects.write(
            [
                run.source.name,
                sheet or "",
                row,
                "",
                "",
                RejectReason.duplicate.value,
                f"{RejectReason.duplicate.zh}（第 {first} 行）",
                f"{RejectReason.duplicate.en} (row {first})",
            ]
        )
    if dups:
        _count(run, RejectReason.duplicate.value, "", len(dups))
    run.rejected += len(dups)
    return len(dups)


def _secondary_match(run: _Run) -> int:
    """Unmatched rows whose name and birth date (from the ID) fit one member: flag them."""
    path = run.work / "unmatched.part"
    if pq.read_metadata(path).num_rows == 0 or "name" not in run.mapping:
        return 0
    people = run.members.members
    if "name" not in people.column_names or "birth_date" not in people.column_names:
        return 0
    con = run.con
    con.register("people", people.select(["name", "birth_date", "member_id", "household_id"]))
    not_found = Unmatched.not_in_registry.value
    con.execute(
        f"""
        COPY (
          WITH u AS (
            SELECT *, try_strptime(substr(id_number, 7, 8), '%Y%m%d')::DATE AS _born
            FROM read_parquet('{path}')),
          wanted AS (
            SELECT DISTINCT name, _born FROM u
            WHERE reason = '{not_found}' AND name IS NOT NULL AND _born IS NOT NULL),
          fits AS (
            SELECT p.name, p.birth_date, any_value(p.member_id) AS member_id,
                   any_value(p.household_id) AS household_id, count(*) AS people
            FROM people p JOIN wanted w ON p.name = w.name AND p.birth_date = w._born
            GROUP BY p.name, p.birth_date)
          SELECT u.* EXCLUDE (_born) REPLACE (
                   CASE WHEN f.member_id IS NOT NULL
                        THEN '{Unmatched.needs_confirmation.value}' ELSE u.reason END AS reason,
                   f.member_id AS candidate_member_id,
                   f.household_id AS candidate_household_id)
          FROM u
          LEFT JOIN fits f
            ON f.name = u.name AND f.birth_date = u._born AND f.people = 1
           AND u.reason = '{not_found}'
          ORDER BY u.source_ordinal
        ) TO '{path}.matched' (FORMAT parquet, COMPRESSION zstd)
        """
    )
    flagged = con.execute(
        f"SELECT count(*) FROM read_parquet('{path}.matched') WHERE reason = ?",
        [Unmatched.needs_confirmation.value],
    ).fetchone()
    con.unregister("people")
    Path(f"{path}.matched").replace(path)
    return int(flagged[0]) if flagged else 0


def _report(run: _Run, duplicates: int, confirm: int, report_dir: Path) -> ImportReport:
    accepted = pq.read_metadata(run.work / "accepted.part").num_rows
    unmatched = pq.read_metadata(run.work / "unmatched.part").num_rows
    if accepted + run.rejected + unmatched != run.rows_in:
        raise IntegrityError(
            f"批次 {run.batch_id} 行数对不上，未入库 / batch {run.batch_id}: {run.rows_in} rows "
            f"in but {accepted} accepted + {run.rejected} rejected + {unmatched} unmatched; the "
            "batch is not committed"
        )
    (run.work / "accepted.part").replace(run.work / "accepted.parquet")
    (run.work / "unmatched.part").replace(run.work / "unmatched.parquet")
    unmatched_report = _unmatched_report(run, report_dir) if unmatched else None
    report = ImportReport(
        batch_id=run.batch_id,
        feed=run.spec.name,
        period=run.period,
        source=run.source.name,
        status="committed",
        rows_in=run.rows_in,
        accepted=accepted,
        rejected=run.rejected,
        unmatched=unmatched,
        needs_confirmation=confirm,
        reasons=_reason_counts(run),
        skipped_sheets=list(run.source.skipped_sheets),
        rejects=run.rejects.path,
        unmatched_report=unmatched_report,
    )
    report.warnings = _warnings(report)
    return report


def _reason_counts(run: _Run) -> list[ReasonCount]:
    out = []
    for (code, column), rows in sorted(run.reasons.items(), key=lambda kv: -kv[1]):
        reason = RejectReason(code)
        out.append(ReasonCount(code, column, rows, reason.zh, reason.en))
    return out


def _warnings(report: ImportReport) -> list[str]:
    warnings = []
    if report.rows_in == 0:
        warnings.append("文件没有数据行 / the file has a header but no data rows")
    out_of_range = sum(
        r.rows for r in report.reasons if r.code == RejectReason.date_out_of_range.value
    )
    if report.rows_in and out_of_range > report.rows_in / 2:
        warnings.append(
            f"过半数行日期晚于 {report.period} 月末，批次月份是否填错？ / most rows are dated after "
            f"the end of {report.period}: is the batch's period right?"
        )
    if report.rows_in and report.unmatched > report.rows_in / 2:
        warnings.append(
            "过半数行的人员不在监测对象库中，是否为其他地区的文件？ / most rows are people not in "
            "the registry: is this another region's file?"
        )
    return warnings


def _unmatched_report(run: _Run, report_dir: Path) -> Path:
    with ReportWriter(report_dir / "unmatched.csv", UNMATCHED_HEADER) as out:
        for batch in pq.ParquetFile(run.work / "unmatched.parquet").iter_batches(
            columns=[
                "source_sheet",
                "source_row",
                "id_number",
                "name",
                "reason",
                "candidate_member_id",
            ]
        ):
            for row in batch.to_pylist():
                reason = Unmatched(row["reason"])
                out.write(
                    [
                        run.source.name,
                        row["source_sheet"] or "",
                        row["source_row"],
                        mask_id(row["id_number"]),
                        mask_name(row["name"]),
                        reason.value,
                        reason.zh,
                        reason.en,
                        row["candidate_member_id"] or "",
                    ]
                )
    return out.path
