"""The store kernel: URLs, connections, pragmas, sessions, migrations and column types."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from bottomline.db import (
    current_revision,
    driver_rows,
    head_revision,
    make_engine,
    session_scope,
    upgrade,
)
from bottomline.errors import ConfigError
from bottomline.migrations import target_metadata
from bottomline.policy.models import PolicyDocument
from bottomline.registry.models import Household, Member, Region
from bottomline.screening.models import Lead, LeadHit, ScreeningRun
from tests.registry.snapshots import COUNTY, PROVINCE


def test_upgrade_migrates_an_empty_store_to_head(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        upgrade(engine)  # a second run changes nothing
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_leads_stored_before_0011_take_their_households_village(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        upgrade(engine, "0010")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO regions (code, name, level) VALUES "
                    "('532328100201', '甲一村', 'village'), ('532328100202', '甲二村', 'village')"
                )
            )
            for hid, village in ((1, "532328100201"), (2, "532328100202")):
                connection.execute(
                    text(
                        "INSERT INTO households (id, household_no, village_code, household_type,"
                        " formerly_poor, relocated, no_labour_household, created_at, updated_at)"
                        " VALUES (:id, :no, :village, 'ordinary', false, false, false,"
                        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"id": hid, "no": str(hid), "village": village},
                )
                connection.execute(
                    text(
                        "INSERT INTO leads (id, household_id, cycle, channel, risk_types, status,"
                        " created_at, triage) VALUES (:id, :id, '2026-03', 'screening', '[]',"
                        " 'open', CURRENT_TIMESTAMP, 'pending')"
                    ),
                    {"id": hid},
                )
        upgrade(engine)
        with session_scope(engine) as session:
            villages = {i: v for i, v in session.execute(select(Lead.id, Lead.village_code))}
        assert villages == {1: "532328100201", 2: "532328100202"}
    finally:
        engine.dispose()


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, target_metadata()) == []


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store' / 'bottomline.db'}")
    try:
        with engine.connect() as connection:
            pragma = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
            }
    finally:
        engine.dispose()
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 1,
        "busy_timeout": 10000,
    }


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    member = Member(
        id=1, household_id=404, id_number="x", id_kind="resident_id", name="n", relationship="head",
        sex="male", birth_date=dt.date(1980, 1, 1), ethnicity="01", education="primary",
        schooling="not_in_school", health="healthy", disability_grade=None, labour_capacity="able",
        migrant_months=0, migrant_place=None, insured_medical=True, insured_serious_illness=True,
        insured_pension=True, dibao=False, tekun=False,
    )  # fmt: skip
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(member)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "mysql://user@localhost/bottomline",
        "postgresql+asyncpg://user@localhost/bottomline",
        "oracle://scott:tiger@localhost/xe",
    ],
)
def test_unsupported_or_malformed_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        make_engine(url)

    assert "postgresql+psycopg://" in str(caught.value)  # the hint shows what works


def test_an_unreachable_server_is_a_config_error_without_the_password() -> None:
    with pytest.raises(ConfigError, match="cannot open the database") as caught:
        make_engine("postgresql+psycopg://someone:s3cret@127.0.0.1:1/bottomline?connect_timeout=2")

    assert "s3cret" not in str(caught.value)
    assert "127.0.0.1:1" in str(caught.value)


def test_a_sqlite_file_that_cannot_be_created_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")

    with pytest.raises(ConfigError, match="a-file"):
        make_engine(f"sqlite:///{blocker / 'bottomline.db'}")


def test_session_scope_commits_or_rolls_back(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(Region(code=PROVINCE, name="云南省", level="province", parent_code=None))

    def add_county_then_fail() -> None:
        with session_scope(engine) as session:
            session.add(Region(code=COUNTY, name="元谋县", level="county", parent_code=PROVINCE))
            session.flush()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        add_county_then_fail()

    with session_scope(engine) as session:
        assert session.scalars(select(Region.code)).all() == [PROVINCE]


def test_timestamps_are_stored_and_read_in_utc(engine: Engine) -> None:
    beijing = dt.timezone(dt.timedelta(hours=8))
    started = dt.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=beijing)
    with session_scope(engine) as session:
        session.add(
            ScreeningRun(
                cycle="2026-03", scope_code=COUNTY, year=2026, engine="duckdb", started_at=started
            )
        )

    with session_scope(engine) as session:
        run = session.scalars(select(ScreeningRun)).one()
        assert run.started_at == started
        assert run.started_at.utcoffset() == dt.timedelta(0)
        assert run.finished_at is None


def test_naive_timestamps_are_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"), session_scope(engine) as session:
        session.add(
            ScreeningRun(
                cycle="2026-03",
                scope_code=COUNTY,
                year=2026,
                engine="duckdb",
                started_at=dt.datetime(2026, 3, 1),
            )
        )


def test_json_columns_and_defaults_round_trip(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(Region(code=PROVINCE, name="云南省", level="province", parent_code=None))
        session.add(
            Region(code="532328100201", name="甲一村", level="village", parent_code=PROVINCE)
        )
        session.flush()
        session.add(
            Household(
                id=7, household_no="7", village_code="532328100201", household_type="ordinary",
                formerly_poor=False, relocated=False, no_labour_household=False,
            )
        )  # fmt: skip
        run = ScreeningRun(
            cycle="2026-03", scope_code=COUNTY, year=2026, engine="duckdb",
            policies={"yn-2026": {"params": {"income_line": 8700}, "documents": [1, 2]}},
        )  # fmt: skip
        session.add(run)
        session.flush()
        lead = Lead(
            run_id=run.id,
            household_id=7,
            village_code="532328100201",
            cycle="2026-03",
            category="income",
            risk_types=["income_low", "medical"],
            policy_ref="yn-2026",
        )
        session.add(lead)
        session.flush()
        session.add(
            LeadHit(
                lead_id=lead.id,
                rule_id="income_below_line",
                rule_version=1,
                policy_ref="yn-2026",
                evidence={"per_capita": 8000.5, "line": 8700, "note": "低于监测线"},
            )
        )
        session.add(
            PolicyDocument(
                region_code="000000000000",
                year=2026,
                content_hash="0" * 64,
                title="t",
                source="s",
                source_path="p",
                params={"a": [1, 2]},
            )
        )

    with session_scope(engine) as session:
        lead = session.scalars(select(Lead)).one()
        hit = session.scalars(select(LeadHit)).one()
        run = session.scalars(select(ScreeningRun)).one()
        assert (lead.status, lead.channel, lead.risk_types) == (
            "open",
            "screening",
            ["income_low", "medical"],
        )
        assert hit.evidence == {"per_capita": 8000.5, "line": 8700, "note": "低于监测线"}
        assert run.policies["yn-2026"]["documents"] == [1, 2]
        assert (run.hits, run.summary) == (0, {})
        assert session.scalars(select(PolicyDocument.params)).one() == {"a": [1, 2]}


def _regions(engine: Engine, count: int) -> None:
    with session_scope(engine) as session:
        session.add(Region(code=PROVINCE, name="省", level="province", parent_code=None))
        session.add_all(
            Region(code=f"53{i:010d}", name=f"县{i}", level="county", parent_code=PROVINCE)
            for i in range(1, count + 1)
        )


@pytest.mark.parametrize("size", [1, 3, 1000])
def test_driver_rows_reads_every_row_in_chunks_with_and_without_parameters(
    engine: Engine, size: int
) -> None:
    _regions(engine, 7)
    counties = select(Region.code, Region.name).where(Region.level == "county")
    with engine.connect() as connection, connection.begin():
        plain = [
            list(rows) for rows in driver_rows(connection, counties.order_by(Region.code), size)
        ]
        # Two at once on one connection (the export reads several tables in one transaction).
        first = driver_rows(connection, counties.order_by(Region.code), size)
        chunk = next(first)
        some = select(Region.code).where(Region.code.in_(["530000000002", "530000000005"]))
        bound = [
            tuple(r)
            for rows in driver_rows(connection, some.order_by(Region.code), size)
            for r in rows
        ]
        rest = [chunk, *first]
    codes = [f"53{i:010d}" for i in range(1, 8)]
    assert [tuple(r) for rows in plain for r in rows] == [(c, f"县{int(c[2:])}") for c in codes]
    assert max(len(rows) for rows in plain) == min(size, 7)  # chunks of at most ``size``
    assert [r[0] for rows in rest for r in rows] == codes  # the first row is not lost
    assert bound == [("530000000002",), ("530000000005",)]
