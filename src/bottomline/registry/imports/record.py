"""The import's own record in ``registry_imports``."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert, select
from sqlalchemy.exc import SQLAlchemyError

from bottomline.db import utcnow
from bottomline.errors import BottomlineError
from bottomline.registry.imports.report import RegistryImportReport
from bottomline.registry.models import RegistryImport

log = logging.getLogger(__name__)


def record_import(
    connection: Connection,
    report: RegistryImportReport,
    started: dt.datetime,
    status: str,
    error: str | None = None,
    kind: str = "registry",
) -> int:
    stmt = insert(_imports_table()).values(
        kind=kind,
        source_name=report.source[:255],
        content_sha256=report.content_sha256,
        status=status,
        rows_in=report.rows_in,
        accepted=report.accepted,
        rejected=report.rejected,
        diff=report.diff.as_dict(),
        report_dir=str(report.report_dir) if report.report_dir else None,
        error=error,
        started_at=started,
        finished_at=utcnow(),
    )
    key = connection.execute(stmt).inserted_primary_key
    assert key is not None
    return int(key[0])


def record_failure(
    engine: Engine,
    report: RegistryImportReport,
    started: dt.datetime,
    err: BaseException,
    kind: str = "registry",
) -> None:
    try:
        with engine.begin() as connection:
            record_import(connection, report, started, "failed", error_text(err), kind)
    except SQLAlchemyError:
        log.exception("could not record the failed registry import")


def error_text(err: BaseException) -> str:
    """What went wrong, without the database's details (they can quote personal values)."""
    if isinstance(err, BottomlineError):
        return err.message
    orig = getattr(err, "orig", None) or err
    first = str(orig).strip().split("\n")[0]
    return f"{type(orig).__name__}: {first}"[:1000]


def last_committed(
    engine: Engine, kind: str = "registry"
) -> tuple[int, str, dict[str, Any]] | None:
    t = _imports_table()
    stmt = (
        select(t.c.id, t.c.content_sha256, t.c.rows_in, t.c.accepted, t.c.rejected, t.c.report_dir)
        .where(t.c.status == "committed", t.c.kind == kind)
        .order_by(t.c.id.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        row = connection.execute(stmt).first()
    if row is None:
        return None
    return (
        row[0],
        row[1],
        {"rows_in": row[2], "accepted": row[3], "rejected": row[4], "report_dir": row[5]},
    )


def _imports_table() -> Table:
    return RegistryImport.metadata.tables[RegistryImport.__tablename__]
