"""The import from start to end: read, check, compare, write, record (see the package)."""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bottomline.db import utcnow
from bottomline.errors import IntegrityError as StoreIntegrityError
from bottomline.registry.enums import IncomeSource
from bottomline.registry.imports.check import Checked, check_rows, first_rows
from bottomline.registry.imports.conflicts import load_pending
from bottomline.registry.imports.diff import plan_changes
from bottomline.registry.imports.incomes import find_incomes
from bottomline.registry.imports.monitoring import (
    MonitoringPlan,
    apply_monitoring,
    plan_monitoring,
)
from bottomline.registry.imports.read import MIN_KNOWN_HEADERS, Rows, map_headers, read_rows
from bottomline.registry.imports.record import (
    check_importer,
    error_text,
    last_committed,
    record_failure,
    record_import,
)
from bottomline.registry.imports.rejects import Part, write_rejects
from bottomline.registry.imports.removals import check_removals
from bottomline.registry.imports.report import RegistryDiff, RegistryImportReport, write_changes
from bottomline.registry.imports.store import load_state
from bottomline.registry.imports.write import apply_plan, bulk_cache, ensure_regions
from bottomline.registry.incomes.annual import (
    AnnualPlan,
    Records,
    apply_annual,
    plan_annual,
)
from bottomline.registry.incomes.read import content_key
from bottomline.registry.national_export import is_partial_title, known_headers
from bottomline.registry.snapshot import Progress  # (stage, done, total or 0)
from bottomline.sources import Source, open_source
from bottomline.users.actor import Actor

log = logging.getLogger(__name__)


def import_registry(
    *,
    engine: Engine,
    actor: Actor,
    path: Path,
    report_dir: Path,
    encoding: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    income_year: int | None = None,
    allow_removals: bool = False,
    partial: bool = False,
) -> RegistryImportReport:
    """Import the national system's export at ``path``; see ``bottomline.registry.imports``.

    ``income_year``: the year of the income columns when the file has no 年度 column.
    ``allow_removals``: confirm a plan that removes more households than the bound
    (``removals.removal_bound``); without it such an import is refused (a dry run reports it).
    ``partial``: the file lists only some households — those it lists are added and updated,
    nothing is removed. A file whose title row carries ``national_export.PARTIAL_MARK`` is
    partial by itself.

    Raises InputFileError when the file cannot be read or lacks required columns, and
    PermissionDenied for a role that does not import or a file with counties outside the
    actor's region. A failure while writing rolls everything back and is recorded as a
    ``failed`` import; a committed or unchanged import is one audited action of ``actor``
    (``registry.import``, in the import's transaction).
    """
    check_importer(actor)
    started = utcnow()
    source = open_source(
        Path(path), known_headers=known_headers(), min_known=MIN_KNOWN_HEADERS, encoding=encoding
    )
    report = RegistryImportReport(
        source=source.name,
        content_sha256=content_key(source, income_year, actor.region_code),
        status="dry_run" if dry_run else "committed",
        income_year=income_year,
        partial=partial or is_partial_title(source.title),
    )
    try:
        mapping = map_headers(source)
        previous = last_committed(engine)
        if previous is not None and previous[1] == report.content_sha256:
            return _unchanged(engine, report, previous, started, dry_run, actor)
        report.report_dir = report_dir / _report_name(report, started, dry_run)
        options = _Options(Path(path), encoding, dry_run, allow_removals, actor)
        _import(engine, source, mapping, report, started, options, progress)
    except Exception as err:
        if not dry_run:
            record_failure(engine, report, started, err)
        if isinstance(err, SQLAlchemyError):  # its text quotes the rows: personal data
            raise _refused(report, err) from None
        raise
    _log_done(report)
    return report


def _report_name(report: RegistryImportReport, started: dt.datetime, dry_run: bool) -> str:
    """The folder of the import's reports: when it started and what it read."""
    out_dir = f"registry-{started:%Y%m%dT%H%M%S}-{report.content_sha256[:8]}"
    return out_dir + ("-dry-run" if dry_run else "")


def _refused(report: RegistryImportReport, err: SQLAlchemyError) -> StoreIntegrityError:
    """The store's refusal as a domain error, without the rows the driver's message quotes."""
    return StoreIntegrityError(
        f"数据库拒绝了 {report.source} 的登记库导入 / "
        f"the store refused the registry import of {report.source}: {error_text(err)}",
        hint="未作任何修改，本次导入记为失败 / nothing was changed; the import is recorded as failed",
    )


def _log_done(report: RegistryImportReport) -> None:
    log.info(
        "registry import",
        extra={
            "import_id": report.import_id,
            "status": report.status,
            "rows_in": report.rows_in,
            "accepted": report.accepted,
            "rejected": report.rejected,
            "diff": report.diff.as_dict(),
        },
    )


@dataclass(frozen=True, slots=True)
class _Options:
    path: Path
    encoding: str | None
    dry_run: bool
    allow_removals: bool
    actor: Actor


def _import(
    engine: Engine,
    source: Source,
    mapping: dict[str, str],
    report: RegistryImportReport,
    started: dt.datetime,
    options: _Options,
    progress: Progress | None,
) -> None:
    assert report.report_dir is not None
    found = find_incomes(source, mapping, options.path, options.encoding, report.income_year)
    rows = read_rows(source, found.member_mapping, progress, found.member_columns)
    sheet = found.read_sheet(rows, progress)
    checked = check_rows(rows, found.member_checks, sheet.rejected if sheet else ())
    report.rows_in = rows.count + len(rows.malformed)
    report.accepted = checked.accepted.num_rows
    more: list[Part] = []
    if sheet is not None:
        sheet.finish(checked)
        report.rows_in += sheet.rows_in
        report.accepted += sheet.accepted.num_rows
        more.append(sheet.part())
        checked.reasons.update(sheet.reasons())
    report.rejected = report.rows_in - report.accepted
    report.reasons = checked.reasons
    report.warnings = checked.warnings
    report.counties = checked.counties
    check_importer(options.actor, checked.counties)
    path = report.report_dir / "rejects.csv"
    report.rejects_path = write_rejects(path, source, rows, checked, more)
    records = found.records(checked, sheet)
    _reconcile(engine, rows, checked, records, report, started, options, progress)


def _reconcile(
    engine: Engine,
    rows: Rows,
    checked: Checked,
    records: Records | None,
    report: RegistryImportReport,
    started: dt.datetime,
    options: _Options,
    progress: Progress | None,
) -> None:
    assert report.report_dir is not None
    path = report.report_dir / "changes.csv"
    partial = path.with_name(path.name + ".partial")
    dry_run = options.dry_run
    try:
        with engine.begin() as connection:
            state = load_state(connection, checked)
            pending = load_pending(connection)
            report.diff, plan = plan_changes(
                checked, state, rows.headers, pending, partial=report.partial
            )
            report.removals = check_removals(state, plan, options.allow_removals or dry_run)
            households = first_rows(checked.accepted)
            watch = plan_monitoring(connection, households, rows.headers, plan.homes)
            annual = plan_annual(connection, records, plan.homes) if records else None
            _add_to_diff(report.diff, watch, annual)
            write_changes(
                partial,
                *plan.new_changes,
                plan.changes,
                watch.changes,
                *(annual.new_changes if annual else []),
                annual.changes if annual else [],
            )
            if not dry_run:
                report.regions_created = ensure_regions(connection, checked)
                with bulk_cache(connection):
                    homes = apply_plan(connection, plan, progress)
                    report.import_id = record_import(
                        connection, report, started, "committed", actor=options.actor
                    )
                    apply_monitoring(connection, watch, homes)
                    if annual is not None:
                        apply_annual(
                            connection,
                            annual,
                            lambda numbers: {n: homes[n] for n in numbers},
                            IncomeSource.export.value,
                            report.import_id,
                        )
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)
    report.changes_path = path


def _add_to_diff(diff: RegistryDiff, watch: MonitoringPlan, annual: AnnualPlan | None) -> None:
    given: list[str] = []
    if annual is not None and annual.records.income_fields:
        diff.incomes = annual.incomes
        given.append("incomes")
    if annual is not None and annual.records.guarantee_fields:
        diff.guarantees = annual.guarantees
        given.append("guarantees")
    if watch.fields:
        diff.monitoring = watch.count
        given.append("monitoring")
    diff.given = tuple(given)


def _unchanged(
    engine: Engine,
    report: RegistryImportReport,
    previous: tuple[int, str, dict[str, Any]],
    started: dt.datetime,
    dry_run: bool,
    actor: Actor,
) -> RegistryImportReport:
    import_id, _sha, counts = previous
    report.status = "unchanged"
    report.rows_in = counts["rows_in"]
    report.accepted = counts["accepted"]
    report.rejected = counts["rejected"]
    report.report_dir = Path(counts["report_dir"]) if counts["report_dir"] else None
    report.previous_import_id = import_id
    if not dry_run:
        with engine.begin() as connection:
            report.import_id = record_import(connection, report, started, "unchanged", actor=actor)
    log.info(
        "registry import unchanged", extra={"import_id": report.import_id, "previous": import_id}
    )
    return report
