"""The import's own record in ``registry_imports``."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.db import utcnow
from bottomline.errors import BottomlineError, PermissionDenied
from bottomline.registry.imports.report import RegistryImportReport
from bottomline.registry.models import RegistryImport
from bottomline.users.actor import Actor
from bottomline.users.enums import Role

# Who loads the national system's export and the yearly collection into the store.
IMPORTERS = frozenset({Role.county, Role.city, Role.province, Role.system})

log = logging.getLogger(__name__)


def check_importer(actor: Actor, counties: list[str] | None = None) -> None:
    """Refuse a role that does not import, or a file of counties outside the actor's region."""
    if actor.role not in IMPORTERS:
        raise PermissionDenied(
            f"{actor} 不能导入登记库或收入采集 / {actor} cannot import the registry or incomes",
            hint="由县、市、省级用户导入 / county, city or province users import them",
        )
    outside = sorted(code for code in counties or () if not actor.covers(code))
    if outside:
        raise PermissionDenied(
            f"文件含辖区外的县 {', '.join(outside)} / the file holds counties outside the region "
            f"of {actor}: {', '.join(outside)}",
            hint="只导入本辖区的户，或由上级用户导入 / import your own region's households, or "
            "let a user of the level above import the file",
        )


def record_import(
    connection: Connection,
    report: RegistryImportReport,
    started: dt.datetime,
    status: str,
    error: str | None = None,
    kind: str = "registry",
    actor: Actor | None = None,
) -> int:
    """The import's row; with ``actor`` (every import that changes the store or records that it
    changed nothing) also its audit row, in the same transaction. A failed import changes
    nothing but this row and has no actor's action to record."""
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
    import_id = int(key[0])
    if actor is not None:
        _audit_import(connection, report, import_id, status, kind, actor)
    return import_id


def _audit_import(
    connection: Connection,
    report: RegistryImportReport,
    import_id: int,
    status: str,
    kind: str,
    actor: Actor,
) -> None:
    change = audit.Change(
        f"{kind}.import",
        "registry_import",
        import_id,
        region_code=actor.region_code,
        after={
            "status": status,
            "content_sha256": report.content_sha256,
            "rows_in": report.rows_in,
            "accepted": report.accepted,
            "rejected": report.rejected,
            "counties": list(report.counties),
            "diff": report.diff.as_dict(),
        },
    )
    with Session(bind=connection) as session:  # joins the import's transaction
        audit.record(session, change, actor=actor.name, role=actor.role.value)


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
