"""The operational store: engine, sessions, the declarative base and schema migrations.

Two backends: a SQLite file (the default, in WAL mode) and PostgreSQL through psycopg 3
(``postgresql+psycopg://user:password@host:port/dbname``). Tables are created and changed only by
Alembic migrations (``bottomline/migrations``), run with :func:`upgrade`; docs/store.md describes
the tables and how to run against PostgreSQL.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import itertools
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Dialect,
    Engine,
    Integer,
    MetaData,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction
from sqlalchemy.sql import Select
from sqlalchemy.types import TypeDecorator

from bottomline.errors import ConfigError

if TYPE_CHECKING:  # Alembic is imported only when a store has migrations to run
    import pyarrow as pa
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLITE_BUSY_TIMEOUT_MS = 10_000
KEY_CHUNK = 5_000  # values in one IN (...) list: well under SQLite's parameter limit
WRITE_OPTION = "bottomline_write"  # execution option: begin SQLite transactions IMMEDIATE
PG_CONNECT_TIMEOUT_S = 10

# A 64-bit key that autoincrements on both backends: SQLite only autoincrements a column
# declared exactly INTEGER PRIMARY KEY (its 64-bit rowid); PostgreSQL gets BIGINT (BIGSERIAL).
BigId = BigInteger().with_variant(Integer(), "sqlite")
MAX_ID = 2**63 - 1  # the largest key SQLite's INTEGER and PostgreSQL's BIGINT hold


def storable_id(value: int) -> bool:
    """Whether ``value`` can be a record's id: a lookup of any other answers "absent" at once
    (the database would refuse the number rather than find nothing)."""
    return 0 < value <= MAX_ID


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware timestamp, stored in UTC and always read back aware (UTC).

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so the UTC wall time is stored
    and UTC is attached on reading. Naive datetimes are refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: the store takes timezone-aware datetimes only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def chunks(values: Sequence[Any], size: int = KEY_CHUNK) -> Iterator[Sequence[Any]]:
    """``values`` in slices of ``size``, e.g. for ``IN (...)`` lists the backends accept."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


_CURSORS = itertools.count(1)  # server-side cursors' names, unique in the process


def driver_rows(
    connection: Connection, stmt: Select[*tuple[Any, ...]], size: int
) -> Iterator[Sequence[Sequence[Any]]]:
    """The rows of ``stmt`` in lists of up to ``size``, as the driver returns them.

    For bulk reads into Arrow: no SQLAlchemy ``Row`` per row and no per-value conversion (a
    third of the time of reading a county's members). Values are the driver's own: SQLite gives
    dates as ISO text, booleans as 0/1 and JSON as text; psycopg typed values. Runs on the
    connection's own transaction. On SQLite the statement is executed by SQLAlchemy (which
    converts its parameters) and read from its DBAPI cursor, which SQLAlchemy has not read from
    (it buffers nothing without ``stream_results``). On PostgreSQL a statement without
    parameters runs on a server-side cursor (bounded memory); one with parameters is read
    through SQLAlchemy in chunks (``yield_per``), as rows converted by SQLAlchemy.
    """
    if connection.dialect.name == "sqlite":
        result = connection.execute(stmt)
        try:
            while rows := result.cursor.fetchmany(size):
                yield rows
        finally:
            result.close()
        return
    compiled = stmt.compile(dialect=connection.dialect)
    if compiled.params:
        for rows in connection.execute(stmt.execution_options(yield_per=size)).partitions():
            yield rows
        return
    dbapi = connection.connection.driver_connection
    assert dbapi is not None
    cursor = dbapi.cursor(name=f"bulk_read_{next(_CURSORS)}")
    try:
        cursor.execute(compiled.string, {})  # {}: "%%" in the compiled text is read as "%"
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        cursor.close()


def record_batch(rows: Sequence[Sequence[Any]], schema: pa.Schema) -> pa.RecordBatch:
    """Rows from :func:`driver_rows` as an Arrow batch of ``schema``, converted a column at a
    time: SQLite's ISO dates and times are cast, its 0/1 become booleans and its JSON text is
    parsed (each distinct text once); PostgreSQL's typed values are taken as they are."""
    import pyarrow as pa  # here, not at the top: commands that never read in bulk start faster

    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    arrays = [_arrow_column(values, field) for values, field in zip(columns, schema, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _arrow_column(values: Sequence[Any], field: pa.Field) -> pa.Array:
    import pyarrow as pa

    kind = field.type
    first = next((v for v in values if v is not None), None)
    if isinstance(first, str) and not pa.types.is_string(kind):
        text = pa.array(values, pa.string())
        return _json_lists(text, kind) if pa.types.is_list(kind) else text.cast(kind)
    if pa.types.is_boolean(kind) and isinstance(first, int) and not isinstance(first, bool):
        return pa.array(values, pa.int8()).cast(kind)
    return pa.array(values, type=kind)


def _json_lists(text: pa.Array, kind: pa.DataType) -> pa.Array:
    """JSON lists as an Arrow list column (a county's 100,000 households hold a handful of
    distinct risk lists)."""
    import json

    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(text)
    parsed = pa.array([json.loads(v) for v in encoded.dictionary.to_pylist()], type=kind)
    return parsed.take(encoded.indices)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def open_store() -> Engine:
    """The operational store of the settings, migrated to the current schema.

    The data directory is created first, so the default SQLite file can be made there.
    """
    from bottomline.config import get_settings

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url())
    upgrade(engine)
    return engine


def make_engine(url: str) -> Engine:
    """An engine for a SQLite or PostgreSQL URL, checked by connecting once.

    Raises ConfigError for a malformed or unsupported URL, or a database that cannot be reached.
    """
    parsed = _parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed)
    else:
        engine = _postgres_engine(parsed)
    _check_connection(engine)
    return engine


def _parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            "数据库地址格式不对 / the database URL is malformed",
            hint="可用 / use sqlite:////absolute/path/bottomline.db or "
            "postgresql+psycopg://user:password@host:5432/dbname",
        ) from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend == "sqlite" and driver == "pysqlite":
        return parsed
    if backend in ("postgresql", "postgres") and driver in ("psycopg", "psycopg2"):
        # psycopg 3 is the driver we ship; a plain postgresql:// URL means it too.
        return parsed.set(drivername="postgresql+psycopg")
    raise ConfigError(
        f"不支持的数据库类型 / unsupported database URL scheme {parsed.drivername!r}",
        hint="bottomline 的数据存于 SQLite 或 PostgreSQL / "
        "bottomline stores data in SQLite (sqlite:///path/bottomline.db) or PostgreSQL "
        "(postgresql+psycopg://user:password@host:5432/dbname)",
    )


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        directory = Path(database).expanduser().parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"无法为 SQLite 数据库创建目录 {directory} / "
                f"cannot create the directory {directory} for the SQLite store: {exc.strerror}",
                hint="把 BOTTOMLINE_DATA_DIR（或 BOTTOMLINE_DATABASE_URL）设到可写的位置 / "
                "set BOTTOMLINE_DATA_DIR (or BOTTOMLINE_DATABASE_URL) to a writable place",
            ) from None
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (so DDL and
        # reads are transactional too); see SQLAlchemy's "Serializable isolation" recipe.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
            "synchronous=NORMAL",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer that read first and writes later must hold the write lock from the start
        # (BEGIN IMMEDIATE), or two such writers deadlock and one fails with SQLITE_BUSY.
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _postgres_engine(url: URL) -> Engine:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    try:
        return create_engine(url, connect_args=connect_args, pool_pre_ping=True)
    except NoSuchModuleError:  # pragma: no cover - psycopg is a dependency
        raise ConfigError(
            "未安装 PostgreSQL 驱动 psycopg / the PostgreSQL driver psycopg is not installed",
            hint="运行 `uv sync` 安装 / run `uv sync`",
        ) from None


def _check_connection(engine: Engine) -> None:
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        where = engine.url.render_as_string(hide_password=True)
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        hint = (
            "检查目录是否存在且可写，或设置 BOTTOMLINE_DATA_DIR / BOTTOMLINE_DATABASE_URL / "
            "check that the directory exists and is writable, or set BOTTOMLINE_DATA_DIR / "
            "BOTTOMLINE_DATABASE_URL"
            if engine.dialect.name == "sqlite"
            else "检查服务器是否运行，以及 BOTTOMLINE_DATABASE_URL 中的主机、端口、用户、密码和"
            "数据库名是否正确（测试用 scripts/pg-test-server） / "
            "check that the server is running and the host, port, user, password and "
            "database name in BOTTOMLINE_DATABASE_URL are right (for tests: "
            "scripts/pg-test-server)"
        )
        raise ConfigError(
            f"无法打开数据库 / cannot open the database {where}: {reason}", hint=hint
        ) from None


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back on an error."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def write_scope(engine: Engine) -> Iterator[Session]:
    """Like :func:`session_scope` for an action that reads, decides and writes.

    On SQLite the transaction takes the write lock when it begins, so concurrent actions queue
    (up to the busy timeout) instead of failing; PostgreSQL needs nothing more, actions there
    lock the rows they change (optimistic versions, the audit head).
    """
    bind = engine.execution_options(**{WRITE_OPTION: True})
    with Session(bind, expire_on_commit=False) as session, session.begin():
        yield session


# Row-level security on PostgreSQL (migration 0012, docs/access.md): a transaction that sets
# these reads and writes the protected tables only inside this range of village codes.
SCOPE_FROM = "bottomline.scope_from"
SCOPE_TO = "bottomline.scope_to"
NOWHERE = ("1", "0")  # a range no code lies in: roles that read no records


def confine(session: Session, low: str, high: str) -> None:
    """Confine the rest of ``session``'s transaction to village codes ``low``..``high``
    (inclusive) on PostgreSQL, a second wall behind the access layer; nothing on SQLite.

    ``SET LOCAL``: the setting ends with the transaction, so a pooled connection never carries
    one request's region into the next."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        text("SELECT set_config(:a, :low, true), set_config(:b, :high, true)"),
        {"a": SCOPE_FROM, "b": SCOPE_TO, "low": low, "high": high},
    )


@contextmanager
def unconfined(session: Session) -> Iterator[None]:
    """Lift :func:`confine` inside the block, and put it back after: for a read that must see
    every row and returns none of them (the audit chain's check)."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    row = session.execute(
        text("SELECT current_setting(:a, true), current_setting(:b, true)"),
        {"a": SCOPE_FROM, "b": SCOPE_TO},
    ).one()
    confine(session, "", "")
    try:
        yield
    except BaseException:
        # An aborted transaction refuses every statement (so nothing unconfined can follow);
        # otherwise the confinement is back before the error goes on.
        with suppress(SQLAlchemyError):
            confine(session, row[0] or "", row[1] or "")
        raise
    confine(session, row[0] or "", row[1] or "")


def bypasses_row_security(engine: Engine) -> bool:
    """True when ``engine`` connects to PostgreSQL as a role that row-level security does not
    hold (a superuser, or a role with ``BYPASSRLS``): the second wall would not be there. The
    tables' owner is held (``FORCE``), so the role that ran the migrations is fine."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        return bool(
            connection.exec_driver_sql(
                "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
            ).scalar()
        )


def copy_rows(
    connection: Connection,
    name: str,
    data: pa.Table,
    *,
    batch_rows: int,
    on_batch: Callable[[int], None] | None = None,
) -> None:
    """``COPY`` the Arrow table ``data`` into table ``name`` as CSV (PostgreSQL).

    Nested columns (JSON lists in the store) go as their JSON text. ``on_batch`` hears the
    rows sent so far after each batch of ``batch_rows``. A table row-level security guards
    cannot take ``COPY FROM``, so its rows go into a temporary table of the same columns and
    from there into ``name`` by one ``INSERT … SELECT`` (the policies checked, the
    constraints enforced as for any insert)."""
    import io
    import json
    import typing

    import psycopg
    import pyarrow as pa
    import pyarrow.csv as pacsv

    for at, field in enumerate(data.schema):
        if pa.types.is_nested(field.type):
            text_ = [
                None if v is None else json.dumps(v, ensure_ascii=False)
                for v in data[field.name].to_pylist()
            ]
            data = data.set_column(at, field.name, pa.array(text_, pa.string()))
    quote = connection.dialect.identifier_preparer.quote
    listed = ", ".join(quote(column) for column in data.column_names)
    secured = connection.exec_driver_sql(
        "SELECT relrowsecurity FROM pg_class WHERE oid = to_regclass(%(name)s)", {"name": name}
    ).scalar()
    into = quote(f"_copy_{name}") if secured else quote(name)
    if secured:
        connection.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {into} ON COMMIT DROP AS "
            f"SELECT {listed} FROM {quote(name)} WITH NO DATA"
        )
    dbapi = typing.cast(psycopg.Connection[Any], connection.connection.dbapi_connection)
    options = pacsv.WriteOptions(include_header=False)
    done = 0
    sql = f"COPY {into} ({listed}) FROM STDIN (FORMAT csv)"
    with dbapi.cursor() as cursor, cursor.copy(sql) as copy:
        for batch in data.to_batches(max_chunksize=batch_rows):
            buffer = io.BytesIO()
            pacsv.write_csv(batch, buffer, options)
            copy.write(buffer.getbuffer())
            done += batch.num_rows
            if on_batch is not None:
                on_batch(done)
    if secured:
        connection.exec_driver_sql(
            f"INSERT INTO {quote(name)} ({listed}) SELECT {listed} FROM {into}"
        )
        connection.exec_driver_sql(f"DROP TABLE {into}")


def _alembic_config(connection: Any) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the store's schema to ``revision`` (default: the newest), in one transaction.

    Every command opens the store this way: a store already at the newest revision is left as
    it is without loading Alembic and the migration scripts (:func:`_at_head`).
    """
    if revision == "head" and _at_head(engine):
        return
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)


_REVISION_LINE = re.compile(r"^(revision|down_revision)\b[^=\n]*=\s*(.+?)\s*$", re.MULTILINE)


@functools.cache
def shipped_heads() -> frozenset[str] | None:
    """The newest revisions of the migrations shipped with this version, read from the files'
    ``revision`` and ``down_revision`` lines; None if a file does not declare them plainly
    (then Alembic decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        found: dict[str, str] = {m[1]: m[2] for m in _REVISION_LINE.finditer(text)}
        try:
            revision = ast.literal_eval(found["revision"])
            down = ast.literal_eval(found["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        revisions.add(revision)
        parents.update(down if isinstance(down, tuple | list) else [down] if down else [])
    heads = revisions - parents
    return frozenset(heads) if heads else None


def _at_head(engine: Engine) -> bool:
    """The store's recorded revisions are the shipped heads (a new store has no version table)."""
    heads = shipped_heads()
    if heads is None:
        return False
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except DBAPIError:
        return False
    return frozenset(row[0] for row in rows) == heads


def current_revision(engine: Engine) -> str | None:
    """The store's schema revision; None for a store that was never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest schema revision this version of bottomline knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    if head is None:  # pragma: no cover - the package ships its migrations
        raise ConfigError(
            "找不到数据库结构迁移脚本 / no schema migrations found",
            hint=f"请重新安装 / reinstall; expected {MIGRATIONS_DIR}",
        )
    return head


def staged_path(final: Path) -> Path:
    """Where a file that must appear only with its transaction's commit is written first: beside
    ``final`` (same file system, so the rename is atomic), hidden, with ``final``'s suffix kept so
    writers that choose the format by the suffix still do."""
    return final.with_name(f".{final.stem}.part-{os.getpid()}{final.suffix}")


def publish_on_commit(session: Session, staged: Path, final: Path) -> None:
    """Move ``staged`` to ``final`` when ``session``'s transaction commits; delete it when the
    transaction ends otherwise. A file holding personal data that the audit log must account for
    thus exists only if its audit row does."""

    done = False  # the listeners stay on the (short-lived) session, inert once it is moved

    def commit(_session: Session) -> None:
        nonlocal done
        if not done and not session.in_nested_transaction():  # a savepoint commits nothing yet
            os.replace(staged, final)
            done = True

    def end(_session: Session, transaction: SessionTransaction) -> None:
        nonlocal done
        if not done and transaction.parent is None:  # the outermost transaction, not committed
            staged.unlink(missing_ok=True)
            done = True

    event.listen(session, "after_commit", commit)
    event.listen(session, "after_transaction_end", end)
