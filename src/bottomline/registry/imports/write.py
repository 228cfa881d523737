"""Writing the plan in bulk, in the import's transaction: regions, inserts, updates, removals."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Numeric, Table, func, insert, select, text, update
from sqlalchemy.dialects import sqlite

from bottomline.db import chunks, copy_rows, utcnow
from bottomline.registry.divisions import ancestors
from bottomline.registry.enums import RegionLevel
from bottomline.registry.imports.check import Checked, first_rows
from bottomline.registry.imports.conflicts import settle
from bottomline.registry.imports.diff import Plan
from bottomline.registry.imports.fields import HOUSEHOLD_FIELDS, MEMBER_FIELDS
from bottomline.registry.national_export import COLUMNS
from bottomline.registry.snapshot import Progress, store_table  # (stage, done, total or 0)

WRITE_CHUNK_ROWS = 10_000
BULK_CACHE_KIB = 256 << 10  # SQLite's page cache during an import's writes (256 MiB at most)
_TO_FLOAT = Numeric(14, 2).dialect_impl(sqlite.dialect()).bind_processor(sqlite.dialect())


def ensure_regions(connection: Connection, checked: Checked) -> int:
    """Add the villages, townships and their ancestors the registry does not have yet."""
    wanted: dict[str, tuple[str, str, str | None]] = {}  # code -> name, level, parent
    for county in checked.counties:
        for found in ancestors(county):
            wanted.setdefault(found.code, (found.name, found.level, found.parent_code))
    households = first_rows(checked.accepted)
    village_names = _column_or_empty(households, "village_name")
    township_names = _column_or_empty(households, "township_name")
    for code, village, township in zip(
        households["village_code"].to_pylist(), village_names, township_names, strict=True
    ):
        town = code[:9] + "000"
        wanted.setdefault(town, (township or town, RegionLevel.township.value, code[:6] + "000000"))
        wanted.setdefault(code, (village or code, RegionLevel.village.value, town))
    r = store_table("regions")
    have: set[str] = set()
    for part in chunks(sorted(wanted)):
        have.update(connection.scalars(select(r.c.code).where(r.c.code.in_(part))))
    ranks = {level.value: rank for rank, level in enumerate(RegionLevel)}
    missing = sorted((c for c in wanted if c not in have), key=lambda c: (ranks[wanted[c][1]], c))
    rows = [
        {"code": c, "name": wanted[c][0], "level": wanted[c][1], "parent_code": wanted[c][2]}
        for c in missing
    ]
    for part in chunks(rows, WRITE_CHUNK_ROWS):
        connection.execute(insert(r), list(part))
    return len(rows)


def _column_or_empty(table: pa.Table, name: str) -> list[str | None]:
    if name in table.column_names:
        return table[name].to_pylist()
    return [None] * table.num_rows


@contextmanager
def bulk_cache(connection: Connection) -> Iterator[None]:
    """A page cache of ``BULK_CACHE_KIB`` for the bulk writes of an import (SQLite; restored
    after): rows inserted in file order land all over the unique indexes (ID numbers,
    household numbers), which with SQLite's default 2 MB cache means reading and writing the
    same pages again and again."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def apply_plan(connection: Connection, plan: Plan, progress: Progress | None) -> dict[str, int]:
    """Write the plan; returns the stored id of every household of the file (new ones too)."""
    h, m = store_table("households"), store_table("members")
    now = pa.scalar(utcnow(), pa.timestamp("us", tz="UTC"))
    new = _rows(plan.households, plan.new_households, ("household_no", *HOUSEHOLD_FIELDS))
    new = _with(new, id=_next_ids(connection, h, new.num_rows), created_at=now, updated_at=now)
    insert_rows(connection, h, new, "households", progress)
    homes = plan.homes | dict(
        zip(new["household_no"].to_pylist(), new["id"].to_pylist(), strict=True)
    )
    index = [row for row, _id in plan.changed_households]
    changed = _rows(plan.households, index, plan.household_fields)
    ids = [record for _row, record in plan.changed_households]
    update_rows(connection, h, _with(changed, id=ids, updated_at=now), "households", progress)
    index = [row for row, _id in plan.changed_members]
    changed = _rows(plan.members, index, plan.member_fields)
    ids = [record for _row, record in plan.changed_members]
    changed = _with(changed, id=ids, household_id=_homes(plan.members, index, homes))
    update_rows(connection, m, changed, "members", progress)
    new = _rows(plan.members, plan.new_members, MEMBER_FIELDS)
    ids = _next_ids(connection, m, new.num_rows)
    new = _with(new, id=ids, household_id=_homes(plan.members, plan.new_members, homes))
    insert_rows(connection, m, new, "members", progress)
    _remove(connection, m, plan.removed_members, now)
    _remove(connection, h, plan.removed_households, now)
    settle(connection, plan.settled_edits)
    return homes


def _rows(table: pa.Table, index: list[int], names: Sequence[str]) -> pa.Table:
    """Rows ``index`` of the file's table with the fields ``names``, defaults for missing ones;
    ``removed_at`` is cleared."""
    every = len(index) == table.num_rows and index == list(range(table.num_rows))
    rows = table if every else table.take(pa.array(index, pa.int64()))  # a first import: all
    columns = {}
    for name in names:
        if name in rows.column_names:
            columns[name] = rows[name]
        else:
            column = COLUMNS[name]
            default = pa.scalar(column.default, column.arrow_type)
            columns[name] = pa.repeat(default, rows.num_rows)
    columns["removed_at"] = pa.nulls(rows.num_rows, pa.timestamp("us", tz="UTC"))
    return pa.table(columns)


def _with(table: pa.Table, **columns: Any) -> pa.Table:
    """``table`` with more columns: lists of values, or a scalar for every row."""
    for name, values in columns.items():
        if isinstance(values, pa.Scalar):
            values = pa.repeat(values, table.num_rows)
        table = table.append_column(
            name, pa.array(values, pa.int64()) if isinstance(values, list) else values
        )
    return table


def _homes(members: pa.Table, index: list[int], homes: dict[str, int]) -> pa.Array:
    return home_ids(members["household_no"].take(pa.array(index, pa.int64())), homes)


def home_ids(numbers: pa.Array | pa.ChunkedArray, homes: Mapping[str, int]) -> pa.Array:
    """The stored id of each 户编号 in ``numbers`` (null where ``homes`` has none)."""
    keys = pa.array(list(homes), pa.string())
    ids = pa.array(list(homes.values()), pa.int64())
    return ids.take(pc.index_in(numbers, value_set=keys))


def _next_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """Ids for ``count`` new rows: the sequence's on PostgreSQL, above the largest on SQLite."""
    if not count:
        return []
    if connection.dialect.name == "postgresql":
        stmt = text(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
            "FROM generate_series(1, :n)"
        )
        return sorted(connection.scalars(stmt, {"n": count}))
    largest = connection.scalar(select(func.max(table.c.id))) or 0
    return list(range(largest + 1, largest + 1 + count))


def insert_rows(
    connection: Connection, table: Table, data: pa.Table, stage: str, progress: Progress | None
) -> None:
    """Insert the rows: ``COPY`` on PostgreSQL, one compiled statement executed many times on
    SQLite."""
    if not data.num_rows:
        return
    if connection.dialect.name == "postgresql":
        _copy(connection, table.name, data)
    else:
        compiled = insert(table).compile(dialect=connection.dialect, column_keys=data.column_names)
        order = list(compiled.positiontup or [])
        _executemany(connection, str(compiled), table, data.select(order), stage, progress)
    if progress:
        progress(stage, data.num_rows, data.num_rows)


def update_rows(
    connection: Connection,
    table: Table,
    data: pa.Table,
    stage: str,
    progress: Progress | None,
    keys: Sequence[str] = ("id",),
) -> None:
    """Set the other columns of ``data`` on the rows its ``keys`` columns name: on PostgreSQL
    from a temporary table filled by ``COPY``, on SQLite one compiled statement executed many
    times."""
    if not data.num_rows:
        return
    names = [n for n in data.column_names if n not in keys]
    quote = connection.dialect.identifier_preparer.quote
    if connection.dialect.name == "postgresql":
        temp = f"_import_{table.name}"
        columns = ", ".join(quote(n) for n in [*keys, *names])
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS "
            f"SELECT {columns} FROM {quote(table.name)} WITH NO DATA"
        )
        _copy(connection, temp, data)
        sets = ", ".join(f"{quote(n)} = s.{quote(n)}" for n in names)
        match = " AND ".join(f"t.{quote(k)} = s.{quote(k)}" for k in keys)
        connection.exec_driver_sql(
            f"UPDATE {quote(table.name)} AS t SET {sets} FROM {temp} AS s WHERE {match}"
        )
        connection.exec_driver_sql(f"DROP TABLE {temp}")
    else:
        sets = ", ".join(f"{quote(n)} = ?" for n in names)
        match = " AND ".join(f"{quote(k)} = ?" for k in keys)
        sql = f"UPDATE {quote(table.name)} SET {sets} WHERE {match}"
        _executemany(connection, sql, table, data.select([*names, *keys]), stage, progress)
    if progress:
        progress(stage, data.num_rows, data.num_rows)


def _executemany(
    connection: Connection,
    sql: str,
    table: Table,
    data: pa.Table,
    stage: str,
    progress: Progress | None,
) -> None:
    """Run ``sql`` for every row, the values converted column by column as SQLite stores them."""
    dialect = connection.dialect
    for start in range(0, data.num_rows, WRITE_CHUNK_ROWS):
        chunk = data.slice(start, WRITE_CHUNK_ROWS)
        values = [
            _sqlite_values(table.c[name].type, chunk[name], dialect) for name in chunk.column_names
        ]
        connection.exec_driver_sql(sql, list(zip(*values, strict=True)))
        if progress:
            progress(stage, start + chunk.num_rows, data.num_rows)


def _sqlite_values(kind: Any, values: pa.ChunkedArray, dialect: Any) -> list[Any]:
    """A column's values as SQLAlchemy binds them on SQLite, converted column-wise where
    Arrow gives the same (dates as text, amounts as floats) and the type's bind processor
    otherwise called once per distinct value (timestamps: the import's one time)."""
    if pa.types.is_date32(values.type):  # SQLAlchemy keeps SQLite dates as "YYYY-MM-DD"
        return values.cast(pa.string()).to_pylist()
    if values.null_count == len(values) or pa.types.is_boolean(values.type):
        return values.to_pylist()  # sqlite3 stores True/False as 1/0, like SQLAlchemy
    process = kind.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return values.to_pylist()
    if pa.types.is_decimal(values.type) and process is _TO_FLOAT:
        return values.cast(pa.float64()).to_pylist()  # float(Decimal): exact below 2**53 fen
    if pa.types.is_nested(values.type):  # JSON lists: not hashable, one call per row
        return [process(value) for value in values.to_pylist()]
    encoded = pc.dictionary_encode(values.combine_chunks())
    processed = [process(value) for value in encoded.dictionary.to_pylist()]
    return [None if i is None else processed[i] for i in encoded.indices.to_pylist()]


def _copy(connection: Connection, name: str, data: pa.Table) -> None:
    """``COPY`` the rows into table ``name`` as CSV (PostgreSQL)."""
    copy_rows(connection, name, data, batch_rows=WRITE_CHUNK_ROWS * 5)


def _remove(connection: Connection, table: Table, ids: list[int], now: pa.Scalar) -> None:
    for part in chunks(ids):
        stmt = update(table).where(table.c.id.in_(part)).values(removed_at=now.as_py())
        connection.execute(stmt)
