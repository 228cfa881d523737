"""The yearly income collection (年度收入采集 / 集中排查) as its own import.

Read → check → diff → write → record, as ``registry.imports`` does and with its pieces: one row
per household and year (户编号, 年度 or the year given, the catalogue's income and guarantee
columns). Every row ends accepted, rejected (with its reasons in the rejects report) or
unmatched (a 户编号 the registry does not hold; listed in ``unmatched.csv``); rows in =
accepted + rejected + unmatched is checked before anything is committed. Accepted rows are
stored with source ``collection``; the import is a ``registry_imports`` row of kind
``incomes``. The same content as the last committed collection changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from bottomline.db import chunks, utcnow
from bottomline.errors import InputFileError
from bottomline.errors import IntegrityError as StoreIntegrityError
from bottomline.registry.enums import IncomeSource
from bottomline.registry.imports.read import Problem, Rows, map_headers
from bottomline.registry.imports.record import (
    check_importer,
    error_text,
    last_committed,
    record_failure,
    record_import,
)
from bottomline.registry.imports.rejects import write_parts
from bottomline.registry.imports.report import RegistryImportReport, write_changes
from bottomline.registry.incomes.annual import apply_annual, build_records, plan_annual
from bottomline.registry.incomes.catalogue import (
    COLUMNS,
    FIGURE_NAMES,
    INCOME_FILE_COLUMNS,
    header_index,
    known_headers,
)
from bottomline.registry.incomes.check import income_problems
from bottomline.registry.incomes.read import (
    COLLECTION_HINT,
    content_key,
    duplicate_years,
    fill_year,
    import_day,
    read_income_rows,
    require_year,
    sizes_by,
)
from bottomline.registry.national_export import as_mask
from bottomline.registry.snapshot import store_table
from bottomline.sources import Source, open_source
from bottomline.spreadsheet import ReportWriter
from bottomline.users.actor import Actor
from bottomline.users.scope import Scope

log = logging.getLogger(__name__)

KIND = "incomes"
MIN_KNOWN_HEADERS = 3
UNMATCHED_HEADER = ("文件 file", "工作表 sheet", "行号 row", "户编号 household_no")


def import_incomes(
    *,
    engine: Engine,
    actor: Actor,
    path: Path,
    report_dir: Path,
    year: int | None = None,
    encoding: str | None = None,
    dry_run: bool = False,
) -> RegistryImportReport:
    """Import a yearly income collection; ``year`` for rows without a 年度 (column or cell).

    Rows of households outside the actor's region count as not in the registry (unmatched);
    a committed or unchanged import is one audited action of ``actor`` (``incomes.import``)."""
    check_importer(actor)
    started = utcnow()
    source = open_source(
        Path(path), known_headers=known_headers(), min_known=MIN_KNOWN_HEADERS, encoding=encoding
    )
    report = RegistryImportReport(
        source=source.name,
        content_sha256=content_key(source, year, actor.region_code),
        status="dry_run" if dry_run else "committed",
        income_year=year,
    )
    try:
        mapping = map_headers(source, INCOME_FILE_COLUMNS, header_index(), hint=COLLECTION_HINT)
        if not FIGURE_NAMES & mapping.keys():
            raise InputFileError(
                f"{source.name} 没有收入或三保障列 / has no income or guarantee columns",
                hint=COLLECTION_HINT,
            )
        require_year(source, mapping, year)
        previous = last_committed(engine, KIND)
        if previous is not None and previous[1] == report.content_sha256:
            return _unchanged(engine, report, previous[0], started, dry_run, actor)
        name = f"incomes-{started:%Y%m%dT%H%M%S}-{report.content_sha256[:8]}"
        report.report_dir = report_dir / (name + ("-dry-run" if dry_run else ""))
        _import(engine, source, mapping, report, started, dry_run, actor)
    except Exception as err:
        if not dry_run:
            record_failure(engine, report, started, err, KIND)
        if isinstance(err, SQLAlchemyError):
            raise StoreIntegrityError(
                f"数据库拒绝了 {report.source} 的收入导入 / "
                f"the store refused the income import of {report.source}: {error_text(err)}",
                hint="未作任何修改，本次导入记为失败 / "
                "nothing was changed; the import is recorded as failed",
            ) from None
        raise
    log.info(
        "income import",
        extra={"import_id": report.import_id, "status": report.status, "rows_in": report.rows_in,
               "accepted": report.accepted, "rejected": report.rejected,
               "unmatched": report.unmatched},
    )  # fmt: skip
    return report


def _import(
    engine: Engine,
    source: Source,
    mapping: dict[str, str],
    report: RegistryImportReport,
    started: dt.datetime,
    dry_run: bool,
    actor: Actor,
) -> None:
    assert report.report_dir is not None
    rows = read_income_rows(source, mapping, None)
    values = dict(rows.values)
    problems = list(rows.problems) + fill_year(values, rows, report.income_year)
    problems += duplicate_years(rows, values)
    path = report.report_dir / "changes.csv"
    partial = path.with_name(path.name + ".partial")
    try:
        with engine.begin() as connection:
            numbers = sorted(set(values["household_no"].drop_null().to_pylist()))
            homes, sizes = _households(connection, numbers, Scope.of(actor))
            known = pa.array(list(homes), pa.string())
            size = sizes_by(values["household_no"], sizes)
            if "household_size" in values:
                given = values["household_size"]
                size = np.where(as_mask(pc.is_valid(given)), _floats(given), size)
            problems += income_problems(values, set(mapping), size)
            bad = np.zeros(rows.count, dtype=bool)
            for problem in problems:
                bad[problem.row] = True
            unmatched = ~bad & ~as_mask(pc.is_in(values["household_no"], value_set=known))
            keep = ~bad & ~unmatched
            _count(report, rows, problems, int(unmatched.sum()), int(keep.sum()))
            problems.sort(key=lambda p: p.row)
            report.rejects_path = write_parts(
                report.report_dir / "rejects.csv", [(source, rows, problems, COLUMNS)]
            )
            report.unmatched_path = _write_unmatched(report, source, rows, values, unmatched)
            accepted = pa.table(values).filter(pa.array(keep))
            kept = {n: accepted[n].combine_chunks() for n in accepted.column_names}
            records = build_records(
                kept["household_no"],
                pc.cast(kept["income_year"], pa.int64()),
                kept,
                set(mapping),
                import_day(),
            )
            plan = plan_annual(connection, records, homes)
            report.diff.incomes, report.diff.guarantees = plan.incomes, plan.guarantees
            report.diff.given = tuple(
                name
                for name, fields in (
                    ("incomes", records.income_fields),
                    ("guarantees", records.guarantee_fields),
                )
                if fields
            )
            write_changes(partial, *plan.new_changes, plan.changes)
            if not report.balanced:  # pragma: no cover - a bug, not a user mistake
                raise StoreIntegrityError(
                    f"{report.source} 的收入导入：读入 {report.rows_in} 行，但只对上 "
                    f"{report.accepted} + {report.rejected} + {report.unmatched} 行 / "
                    f"income import of {report.source}: {report.rows_in} rows in but "
                    f"{report.accepted} + {report.rejected} + {report.unmatched} accounted for",
                    hint="未作任何修改，请报告此问题 / nothing was changed; please report this",
                )
            if not dry_run:
                report.import_id = record_import(
                    connection, report, started, "committed", kind=KIND, actor=actor
                )
                apply_annual(
                    connection,
                    plan,
                    lambda wanted: {n: homes[n] for n in wanted},
                    IncomeSource.collection.value,
                    report.import_id,
                )
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
    report.changes_path = path


def _floats(values: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(pc.cast(values, pa.float64()), 0.0).to_numpy())


def _count(
    report: RegistryImportReport, rows: Rows, problems: list[Problem], unmatched: int, kept: int
) -> None:
    report.rows_in = rows.count + len(rows.malformed)
    report.accepted = kept
    report.unmatched = unmatched
    report.rejected = report.rows_in - kept - unmatched
    reasons: Counter[tuple[str, str]] = Counter((p.code.value, p.column) for p in problems)
    reasons.update(("malformed", "") for _ in rows.malformed)
    report.reasons = reasons


def _households(
    connection: Connection, numbers: list[str], scope: Scope
) -> tuple[dict[str, int], dict[str, int]]:
    """Stored households (not removed) of the scope by 户编号, and their current members'
    count; a household outside the scope is not found, like one the registry does not hold."""
    h, m = store_table("households"), store_table("members")
    homes: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for part in chunks(numbers):
        stmt = (
            select(h.c.household_no, h.c.id, func.count(m.c.id))
            .outerjoin(m, (m.c.household_id == h.c.id) & m.c.removed_at.is_(None))
            .where(
                h.c.household_no.in_(part),
                h.c.removed_at.is_(None),
                scope.villages(h.c.village_code),
            )
            .group_by(h.c.household_no, h.c.id)
        )
        for number, home, size in connection.execute(stmt):
            homes[number] = home
            sizes[number] = size
    return homes, sizes


def _write_unmatched(
    report: RegistryImportReport,
    source: Source,
    rows: Rows,
    values: dict[str, pa.Array],
    unmatched: np.ndarray,
) -> Path:
    assert report.report_dir is not None
    path = report.report_dir / "unmatched.csv"
    numbers = values["household_no"].to_pylist()
    with ReportWriter(path, UNMATCHED_HEADER) as writer:
        for i in np.flatnonzero(unmatched):
            writer.write(
                (source.name, rows.sheets[i] or "", int(rows.row_numbers[i]), numbers[i] or "")
            )
    return path


def _unchanged(
    engine: Engine,
    report: RegistryImportReport,
    previous: int,
    started: dt.datetime,
    dry_run: bool,
    actor: Actor,
) -> RegistryImportReport:
    report.status = "unchanged"
    report.previous_import_id = previous
    if not dry_run:
        with engine.begin() as connection:
            report.import_id = record_import(
                connection, report, started, "unchanged", kind=KIND, actor=actor
            )
    return report
