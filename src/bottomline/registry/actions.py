"""Writes to the household registry.

``load_snapshot_tables`` fills an empty registry from the five snapshot tables in one
transaction: Core ``insert()`` executemany on SQLite, ``COPY`` on PostgreSQL.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Column, Connection, Dialect, Engine, Table, insert, literal, select, text
from sqlalchemy.exc import DataError as DBDataError
from sqlalchemy.exc import IntegrityError as DBIntegrityError

from bottomline.db import copy_rows, utcnow
from bottomline.errors import InputFileError, UserError
from bottomline.registry.columns import SNAPSHOT_TABLES
from bottomline.registry.enums import RegionLevel
from bottomline.registry.snapshot import (
    RENAMED,
    SNAPSHOT_MODELS,
    Progress,
    conform_table,
    store_columns,
    store_table,
)

log = logging.getLogger(__name__)

LOAD_CHUNK_ROWS = 20_000
MAX_FEN = 10**14 - 1  # Numeric(14, 2): 999,999,999,999.99 yuan
FEN = pa.scalar(Decimal("0.01"), pa.decimal128(3, 2))
MONEY = pa.decimal128(14, 2)

# Keys that must be unique, and references that must resolve (snapshot table and column names).
UNIQUE_KEYS = (
    ("regions", ("code",)),
    ("households", ("household_id",)),
    ("households", ("household_no",)),
    ("members", ("member_id",)),
    ("members", ("id_number",)),
    ("incomes", ("household_id", "year")),
    ("guarantees", ("household_id", "year")),
)
REFERENCES = (
    ("regions", "parent_code", "regions", "code"),
    ("households", "village_code", "regions", "code"),
    ("members", "household_id", "households", "household_id"),
    ("incomes", "household_id", "households", "household_id"),
    ("guarantees", "household_id", "households", "household_id"),
)


def load_snapshot_tables(
    *, engine: Engine, tables: dict[str, pa.Table], progress: Progress | None = None
) -> dict[str, int]:
    """Load a registry snapshot into the empty registry; all or nothing. Rows loaded per table.

    Refuses (UserError) when the registry already holds data, and (InputFileError) when a table
    does not have the snapshot layout or the tables contradict each other.
    """
    prepared = _prepare(tables)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        _refuse_non_empty(connection)
        for table, data in prepared.items():
            target = store_table(table)
            try:
                if postgres:
                    _copy_rows(connection, target, table, data, progress)
                else:
                    _insert_rows(connection, target, table, data, progress)
            except (DBIntegrityError, DBDataError) as exc:
                raise _refused(table, exc.orig) from None
        if postgres:
            _advance_sequences(connection)
        connection.exec_driver_sql("ANALYZE")
    counts = {table: data.num_rows for table, data in prepared.items()}
    log.info("registry snapshot loaded", extra={"rows": counts})
    return counts


def _prepare(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Checked tables in load order, with store column names and store values."""
    missing = [table for table in SNAPSHOT_TABLES if table not in tables]
    if missing:
        raise InputFileError(f"快照缺少数据表 / the snapshot lacks the tables {missing}")
    conformed = {table: conform_table(table, tables[table]) for table in SNAPSHOT_TABLES}
    for table, data in conformed.items():
        _check_lengths(table, data)
    _check_unique(conformed)
    _check_references(conformed)
    conformed["regions"] = _parents_first(conformed["regions"])
    conformed["incomes"] = _money_as_decimal(conformed["incomes"])
    now = pa.scalar(utcnow(), pa.timestamp("us", tz="UTC"))
    households = conformed["households"]
    households = households.append_column("created_at", pa.repeat(now, households.num_rows))
    conformed["households"] = households.append_column("updated_at", households["created_at"])
    return {table: _store_names(table, data) for table, data in conformed.items()}


def _check_lengths(table: str, data: pa.Table) -> None:
    """Text must fit its column: PostgreSQL would refuse it, SQLite would silently keep it."""
    for name, column in zip(data.column_names, store_columns(table), strict=True):
        limit = getattr(column.type, "length", None)
        if limit is None or not pa.types.is_string(data.schema.field(name).type):
            continue
        too_long = pc.sum(pc.greater(pc.utf8_length(data[name]), limit)).as_py() or 0
        if too_long:
            raise InputFileError(
                f"快照表 {table!r}：{name} 有 {too_long} 个值超过 {limit} 个字符 / "
                f"snapshot table {table!r}: {too_long} values of {name} are longer than "
                f"{limit} characters",
                hint=f"{name} 最多保存 {limit} 个字符 / "
                f"the store keeps at most {limit} characters of {name}",
            )


def _check_unique(tables: dict[str, pa.Table]) -> None:
    for table, key in UNIQUE_KEYS:
        data = tables[table].select(list(key))
        distinct = data.group_by(list(key)).aggregate([]).num_rows
        if distinct != data.num_rows:
            raise InputFileError(
                f"快照表 {table!r}：{data.num_rows - distinct} 行的 {' + '.join(key)} 与其他行重复 / "
                f"snapshot table {table!r}: {data.num_rows - distinct} rows repeat the "
                f"{' + '.join(key)} of another row",
                hint=f"{table} 中 {' + '.join(key)} 须唯一 / "
                f"{' + '.join(key)} must be unique in {table}",
            )


def _check_references(tables: dict[str, pa.Table]) -> None:
    for table, column, ref_table, ref_column in REFERENCES:
        values = pc.drop_null(tables[table][column])
        known = pc.is_in(values, value_set=tables[ref_table][ref_column].combine_chunks())
        unknown = pc.filter(values, pc.invert(known))
        if len(unknown):
            raise InputFileError(
                f"快照表 {table!r}：{len(unknown)} 行的 {column} 在 {ref_table}.{ref_column} 中不存在 / "
                f"snapshot table {table!r}: {len(unknown)} rows have a {column} that is not a "
                f"{ref_column} in {ref_table} (e.g. {unknown[0].as_py()})",
                hint=f"每个 {table}.{column} 须出现在 {ref_table}.{ref_column} 中 / "
                f"every {table}.{column} must appear in {ref_table}.{ref_column}",
            )


def _parents_first(regions: pa.Table) -> pa.Table:
    """Regions ordered province → village, so each parent row is written before its children."""
    ranks = {level.value: rank for rank, level in enumerate(RegionLevel)}
    levels = regions["level"].to_pylist()
    unknown = sorted(set(levels) - ranks.keys())
    if unknown:
        raise InputFileError(
            f"快照表 'regions' 有未知层级 / snapshot table 'regions' has unknown levels {unknown}",
            hint="层级为 / levels are " + ", ".join(ranks),
        )
    rank = pa.array([ranks[level] for level in levels], pa.int8())
    return (
        regions.append_column("_rank", rank)
        .sort_by([("_rank", "ascending"), ("code", "ascending")])
        .drop_columns("_rank")
    )


def _money_as_decimal(incomes: pa.Table) -> pa.Table:
    """Float yuan → exact decimal yuan, rounded to the fen (half away from zero)."""
    for index, field in enumerate(incomes.schema):
        if field.type != pa.float64():
            continue
        fen = pc.round(pc.multiply(incomes[field.name], 100.0), 0, "half_towards_infinity")
        bad = pc.sum(pc.invert(pc.fill_null(pc.less_equal(pc.abs(fen), MAX_FEN), False))).as_py()
        if bad:
            raise InputFileError(
                f"快照表 'incomes'：{field.name} 有 {bad} 个值不是金额（非数字、无穷大或达万亿元） / "
                f"snapshot table 'incomes': {bad} values of {field.name} are not amounts of money "
                "(not a number, infinite, or a trillion yuan or more)"
            )
        yuan = pc.multiply(fen.cast(pa.int64()).cast(pa.decimal128(19, 0)), FEN).cast(MONEY)
        incomes = incomes.set_column(index, pa.field(field.name, MONEY, field.nullable), yuan)
    return incomes


def _store_names(table: str, data: pa.Table) -> pa.Table:
    renamed = RENAMED.get(table, {})
    return data.rename_columns([renamed.get(name, name) for name in data.column_names])


def _refuse_non_empty(connection: Connection) -> None:
    for table in SNAPSHOT_MODELS:
        if connection.execute(select(literal(1)).select_from(store_table(table)).limit(1)).first():
            raise UserError(
                f"监测对象库不为空（{table} 表已有数据） / the registry is not empty: its {table} "
                "table already holds rows",
                hint="快照只能载入空库 / a snapshot loads only into an empty registry; start "
                "fresh with a new data directory (BOTTOMLINE_DATA_DIR) or an empty database in "
                "BOTTOMLINE_DATABASE_URL",
            )


def _insert_rows(
    connection: Connection, target: Table, table: str, data: pa.Table, progress: Progress | None
) -> None:
    """Core ``insert()`` compiled once, executed many times with values already in SQLite form.

    Arrow converts whole columns (dates to ISO text, decimals to float) instead of SQLAlchemy
    converting value by value, which is what makes this fast; other typed columns go through
    their SQLAlchemy bind processors, so the stored values are exactly what the ORM writes.
    """
    compiled = insert(target).compile(dialect=connection.dialect, column_keys=data.column_names)
    order = list(compiled.positiontup or [])
    data = data.select(order)
    columns = [target.c[name] for name in order]
    for offset in range(0, data.num_rows, LOAD_CHUNK_ROWS):
        chunk = data.slice(offset, LOAD_CHUNK_ROWS)
        values = [
            _sqlite_values(column, chunk[column.name], connection.dialect) for column in columns
        ]
        connection.exec_driver_sql(str(compiled), list(zip(*values, strict=True)))
        if progress:
            progress(table, offset + chunk.num_rows, data.num_rows)


def _sqlite_values(column: Column[Any], values: pa.ChunkedArray, dialect: Dialect) -> list[Any]:
    result: list[Any]
    if pa.types.is_date32(values.type):  # SQLAlchemy stores SQLite dates as "YYYY-MM-DD"
        result = values.cast(pa.string()).to_pylist()
    elif pa.types.is_decimal(values.type):  # nearest double of the exact decimal, like float(d)
        fen = pc.multiply(values, pa.scalar(100, pa.decimal128(3, 0))).cast(pa.int64())
        result = (fen.to_numpy() / 100.0).tolist()
    elif pa.types.is_boolean(values.type):  # sqlite3 stores True/False as 1/0, like SQLAlchemy
        result = values.to_pylist()
    else:
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        result = values.to_pylist()
        if process is not None:
            result = [process(value) for value in result]
    return result


def _copy_rows(
    connection: Connection, target: Table, table: str, data: pa.Table, progress: Progress | None
) -> None:
    import psycopg

    def sent(done: int) -> None:
        if progress:
            progress(table, done, data.num_rows)

    try:
        copy_rows(connection, target.name, data, batch_rows=LOAD_CHUNK_ROWS * 5, on_batch=sent)
    except (psycopg.IntegrityError, psycopg.DataError) as exc:
        raise _refused(table, exc) from None
    if progress and not data.num_rows:
        progress(table, 0, 0)


def _advance_sequences(connection: Connection) -> None:
    """After COPY with explicit ids, new rows must get ids above the loaded ones."""
    for model in (SNAPSHOT_MODELS["households"], SNAPSHOT_MODELS["members"]):
        name = model.__tablename__
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE(MAX(id), 0) + 1, false) FROM {name}"
            )
        )


def _refused(table: str, orig: BaseException | None) -> InputFileError:
    # Only the first line of the database's message, or the constraint's name: the details
    # can quote the offending values (personal data).
    diag = getattr(orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    reason = f"violates {constraint}" if constraint else str(orig).strip().split("\n")[0]
    return InputFileError(
        f"数据库拒绝写入快照表 {table!r} / the store refused snapshot table {table!r}: {reason}",
        hint="检查快照的主键、引用和取值 / check the snapshot's keys, references and values",
    )
