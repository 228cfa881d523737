"""Shared fixtures: a fresh operational store per test, on SQLite and on PostgreSQL.

``store_url`` runs a test once per backend: ``sqlite`` (a new file in the test's temp dir) and
``postgres`` (a new database on the server at BOTTOMLINE_TEST_PG_URL, dropped afterwards; start
one with ``export BOTTOMLINE_TEST_PG_URL="$(scripts/pg-test-server)"``). Without that variable
the postgres runs are skipped, except on CI (CI=true), where they fail: CI never silently skips
PostgreSQL. ``engine`` is a migrated store on that URL.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine
from sqlalchemy.exc import ProgrammingError

from bottomline.db import make_engine, upgrade

# Tests never assert wall-clock time (benchmarks do, in bench/): no per-example deadline, so a
# loaded CI machine cannot fail a property test for being slow.
hypothesis_settings.register_profile("bottomline", deadline=None)
hypothesis_settings.load_profile("bottomline")

PG_URL_VARIABLE = "BOTTOMLINE_TEST_PG_URL"


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine | None]:
    """An autocommit engine on the PostgreSQL test server's own database, or None if unset."""
    url = os.environ.get(PG_URL_VARIABLE)
    if not url:
        yield None
        return
    server = make_engine(url)
    yield server.execution_options(isolation_level="AUTOCOMMIT")
    server.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, empty database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bottomline.db'}"
        return
    admin = request.getfixturevalue("pg_admin")
    if admin is None:
        reason = (
            f"{PG_URL_VARIABLE} is not set; start a server with "
            f'`export {PG_URL_VARIABLE}="$(scripts/pg-test-server)"`'
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests cannot run on CI: {reason}")
        pytest.skip(reason)
    with new_database(admin) as url:
        yield url


@contextmanager
def new_database(admin: Engine) -> Iterator[str]:
    """The URL of a new, empty database on the PostgreSQL test server, dropped afterwards."""
    name = f"bl_test_{uuid.uuid4().hex[:16]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        _drop_database(admin, name)


def _drop_database(admin: Engine, name: str) -> None:
    """Drop a test database; retry while a server background process (autovacuum on a cluster
    made before the test server turned it off) holds it, which the test role cannot end."""
    for attempt in range(20):
        try:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except ProgrammingError:
            if attempt == 19:
                raise
            time.sleep(0.5)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """A migrated, empty store."""
    store = make_engine(store_url)
    upgrade(store)
    yield store
    store.dispose()
