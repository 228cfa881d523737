"""Registry snapshots: the store's registry as Parquet files with the ``registry.columns`` layout.

``export_snapshot`` writes one file per table from the store, streaming in chunks (bounded
memory, one consistent read), leaving out the households and members a registry import marked
removed; ``read_snapshot`` reads a snapshot directory back and checks its layout;
``conform_table`` checks an in-memory table against the layout (the loader uses it too).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    Float,
    Numeric,
    Select,
    Table,
    cast,
    func,
    select,
    type_coerce,
)
from sqlalchemy.types import NullType

from bottomline.db import Base, driver_rows, record_batch
from bottomline.errors import InputFileError
from bottomline.registry.columns import EXTRA_TABLES, SNAPSHOT_TABLES
from bottomline.registry.models import (
    Household,
    HouseholdGuarantee,
    HouseholdIncome,
    Member,
    Region,
)

Progress = Callable[[str, int, int], None]

EXPORT_CHUNK_ROWS = 50_000

# Snapshot table -> model; the tables are listed parents first (the order to load them in).
SNAPSHOT_MODELS = {
    "regions": Region,
    "households": Household,
    "members": Member,
    "incomes": HouseholdIncome,
    "guarantees": HouseholdGuarantee,
}
# Snapshot columns whose store column has another name; every other name is the same.
RENAMED = {"households": {"household_id": "id"}, "members": {"member_id": "id"}}
# The key of each snapshot table: rows are exported in this order.
SNAPSHOT_KEYS: dict[str, tuple[str, ...]] = {
    "regions": ("code",),
    "households": ("household_id",),
    "members": ("member_id",),
    "incomes": ("household_id", "year"),
    "guarantees": ("household_id", "year"),
}


def store_table(table: str) -> Table:
    """The store table that holds snapshot table ``table``."""
    return Base.metadata.tables[SNAPSHOT_MODELS[table].__tablename__]


def store_columns(table: str) -> list[Column[Any]]:
    """The store columns of a snapshot table, in the snapshot's column order."""
    model_table = store_table(table)
    renamed = RENAMED.get(table, {})
    return [model_table.c[renamed.get(name, name)] for name in SNAPSHOT_TABLES[table].names]


def conform_table(table: str, data: pa.Table, *, source: str | None = None) -> pa.Table:
    """``data`` with exactly the layout of snapshot table ``table``, or InputFileError saying why.

    Columns must match by name (any order); types are cast where that loses nothing; required
    columns must have no nulls. ``source`` names the file in messages.
    """
    schema = SNAPSHOT_TABLES[table]
    where = source or f"snapshot table {table!r}"
    missing = [name for name in schema.names if name not in data.column_names]
    unexpected = [name for name in data.column_names if name not in schema.names]
    if missing or unexpected:
        raise InputFileError(
            f"{where} 的列不对 / {where} has the wrong columns: missing {missing or 'none'}, "
            f"unexpected {unexpected or 'none'}",
            hint=f"{table} 表的列见 bottomline/registry/columns.py / "
            f"a {table} table has the columns {', '.join(schema.names)} "
            "(bottomline/registry/columns.py)",
        )
    with_nulls = [f.name for f in schema if not f.nullable and data.column(f.name).null_count > 0]
    if with_nulls:
        raise InputFileError(
            f"{where} 的必填列有空值 / {where} has empty values in required columns {with_nulls}"
        )
    try:
        conformed = data.select(schema.names).cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InputFileError(
            f"{where} 有列的类型不对 / {where} has a column of the wrong type: {exc}",
            hint="各列类型见 bottomline/registry/columns.py / "
            "see bottomline/registry/columns.py for the types",
        ) from None
    return conformed


def read_snapshot(directory: Path) -> dict[str, pa.Table]:
    """The five tables of the snapshot in ``directory``, checked against the layout."""
    tables = {}
    for table in SNAPSHOT_TABLES:
        path = Path(directory) / f"{table}.parquet"
        if not path.is_file():
            raise InputFileError(
                f"缺少快照文件 / snapshot file {path} is missing",
                hint="快照目录应包含 / a snapshot directory holds "
                + ", ".join(f"{t}.parquet" for t in SNAPSHOT_TABLES),
            )
        try:
            data = pq.read_table(path)
        except (OSError, pa.ArrowInvalid) as exc:
            raise InputFileError(
                f"无法读取快照文件 / snapshot file {path} cannot be read: {exc}"
            ) from None
        tables[table] = conform_table(table, data, source=f"snapshot file {path}")
    return tables


def export_snapshot(
    *,
    engine: Engine,
    out_dir: Path,
    progress: Progress | None = None,
    extra: Mapping[str, Select[Any]] | None = None,
) -> dict[str, Path]:
    """Write the store's registry to ``<out_dir>/<table>.parquet``, one consistent read.

    ``extra`` gives, for tables of ``registry.columns.EXTRA_TABLES`` (follow-ups), the query
    that selects their rows in the layout's column order (the domain that owns the store table
    builds it); an extra table without a query is written empty. Each file is written beside its
    place and renamed into it when complete.
    """
    unknown = sorted(set(extra or {}) - set(EXTRA_TABLES))
    if unknown:
        raise ValueError(f"not extra snapshot tables: {unknown}")
    out_dir.mkdir(parents=True, exist_ok=True)
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    paths = {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        for table in SNAPSHOT_TABLES:
            paths[table] = out_dir / f"{table}.parquet"
            _export_table(connection, table, paths[table], progress)
        for table, schema in EXTRA_TABLES.items():
            paths[table] = out_dir / f"{table}.parquet"
            query = (extra or {}).get(table)
            _export_query(connection, query, schema, paths[table])
    return paths


def _export_query(
    connection: Connection, query: Select[Any] | None, schema: pa.Schema, path: Path
) -> None:
    partial = path.with_name(path.name + ".partial")
    with pq.ParquetWriter(partial, schema, compression="zstd") as writer:
        if query is not None:
            stmt = query.with_only_columns(*(_raw(c) for c in query.selected_columns))
            for rows in driver_rows(connection, stmt, EXPORT_CHUNK_ROWS):
                writer.write_batch(record_batch(rows, schema))
        else:
            writer.write_table(schema.empty_table())
    os.replace(partial, path)


def _export_table(
    connection: Connection, table: str, path: Path, progress: Progress | None
) -> None:
    schema = SNAPSHOT_TABLES[table]
    columns = store_columns(table)
    live = _live(select(*(_raw(column) for column in columns)), table)
    total = connection.scalar(select(func.count()).select_from(live.subquery())) or 0
    stmt = live.order_by(*(columns[schema.names.index(key)] for key in SNAPSHOT_KEYS[table]))
    partial = path.with_name(path.name + ".partial")
    done = 0
    with pq.ParquetWriter(partial, schema, compression="zstd") as writer:
        for rows in driver_rows(connection, stmt, EXPORT_CHUNK_ROWS):
            writer.write_batch(record_batch(rows, schema))
            done += len(rows)
            if progress:
                progress(table, done, total)
    os.replace(partial, path)


def _live(stmt: Select[Any], table: str) -> Select[Any]:
    """``stmt`` limited to the rows a snapshot holds: households and members a registry import
    has not removed, and the incomes and guarantees of those households. A join on the
    household's key, not ``IN (subquery)``: SQLite then reads the child table in key order
    (half the time for the members of a county)."""
    if table == "households":
        return stmt.where(Household.removed_at.is_(None))
    if table in ("members", "incomes", "guarantees"):
        child = store_table(table)
        stmt = stmt.join(Household, Household.id == child.c.household_id).where(
            Household.removed_at.is_(None)
        )
        return stmt.where(Member.removed_at.is_(None)) if table == "members" else stmt
    return stmt


def _raw(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The column as the driver returns it, also where ``db.driver_rows`` falls back on
    SQLAlchemy (a statement with parameters): ``db.record_batch`` converts whole columns.
    Money leaves the store as float64 yuan (the columnar layout), converted by the database."""
    if isinstance(column.type, Numeric) and not isinstance(column.type, Float):
        return type_coerce(cast(column, Float), NullType()).label(column.name)
    return type_coerce(column, NullType()).label(column.name)
