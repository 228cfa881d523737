"""A synthetic county in the store, and helpers that plant data problems with SQL updates.

The synthetic population is clean: every rule finds nothing in it at ``TODAY``. Each plant
picks a record of a household no other plant touched, so findings cannot interfere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, select, text, update

from bottomline.db import utcnow
from bottomline.ids import check_char
from bottomline.ingest.models import IngestBatch
from bottomline.quality.actions import QualityRunResult, run_checks
from bottomline.quality.models import QualityIssue
from bottomline.registry.actions import load_snapshot_tables
from bottomline.registry.models import Household, Member
from bottomline.synth import population_for
from bottomline.synth.population import Population
from bottomline.users.actor import SYSTEM, Actor
from bottomline.users.scope import Scope

COUNTY = "532328000000"  # 元谋县
TODAY = dt.date(2025, 10, 1)  # the synthetic population's year is 2025


@pytest.fixture(scope="session")
def population() -> Population:
    return population_for(scope=COUNTY, households=500, seed=20251001, year=2025)


@pytest.fixture
def store(engine: Engine, population: Population) -> Engine:
    load_snapshot_tables(engine=engine, tables=population.tables)
    # the synthetic county has a few members without basic medical insurance: enrolment tasks
    # (Q403), not errors; enrol them so that each test plants its own
    with engine.begin() as connection:
        connection.execute(
            update(Member)
            .where(Member.insured_medical.is_(False))
            .values(insured_medical=True, insured_serious_illness=True)
        )
    return engine


@pytest.fixture
def planter(store: Engine) -> Planter:
    return Planter(store)


def check(
    store: Engine, *, scope_code: str | None = None, actor: Actor = SYSTEM, **kwargs: Any
) -> QualityRunResult:
    """A check run at TODAY unless told otherwise, by ``actor`` over its region or over
    ``scope_code`` inside it."""
    scope = Scope.of(actor)
    if scope_code is not None:
        scope = scope.narrowed(scope_code)
    return run_checks(engine=store, scope=scope, **({"today": TODAY} | kwargs))


def open_subjects(store: Engine) -> dict[str, set[str]]:
    """Open issues as {rule code: {subject, ...}}."""
    stmt = select(QualityIssue.rule_code, QualityIssue.subject).where(QualityIssue.status == "open")
    found: dict[str, set[str]] = {}
    with store.connect() as connection:
        for code, subject in connection.execute(stmt):
            found.setdefault(code, set()).add(subject)
    return found


def born_aged(age: int) -> tuple[dt.date, dt.date]:
    """The range of birth dates of people who are ``age`` years old at TODAY."""
    latest = TODAY.replace(year=TODAY.year - age)
    earliest = TODAY.replace(year=TODAY.year - age - 1) + dt.timedelta(days=1)
    return earliest, latest


def with_check(body17: str) -> str:
    return body17 + check_char(body17)


@dataclass
class Picked:
    member_id: int
    household_id: int
    id_number: str

    @property
    def subject(self) -> str:
        return f"member:{self.member_id}"

    @property
    def household(self) -> str:
        return f"household:{self.household_id}"


@dataclass
class Planter:
    """Picks records of untouched households and changes them (each call commits)."""

    engine: Engine
    used: set[int] = field(default_factory=set)

    def execute(self, stmt: Any, params: dict[str, Any] | None = None) -> list[Any]:
        with self.engine.begin() as connection:
            result = connection.execute(stmt, params or {})
            return list(result) if result.returns_rows else []

    def member(self, where: str = "1 = 1", **params: Any) -> Picked:
        """The first member (by id) matching ``where`` in a household not used yet."""
        stmt = text(
            "SELECT id, household_id, id_number FROM members "
            f"WHERE removed_at IS NULL AND {where} ORDER BY id"
        )
        for member_id, household_id, id_number in self.execute(stmt, params):
            if household_id not in self.used:
                self.used.add(household_id)
                return Picked(member_id, household_id, id_number)
        raise LookupError(f"no member of an unused household matches {where}")

    def aged(self, age: int, where: str = "1 = 1") -> Picked:
        earliest, latest = born_aged(age)
        return self.member(
            f"birth_date BETWEEN :earliest AND :latest AND {where}",
            earliest=earliest,
            latest=latest,
        )

    def household(self, where: str = "1 = 1", **params: Any) -> int:
        """The first household (by id) matching ``where`` that is not used yet."""
        stmt = text(f"SELECT id FROM households h WHERE {where} ORDER BY id")
        for (household_id,) in self.execute(stmt, params):
            if household_id not in self.used:
                self.used.add(household_id)
                return int(household_id)
        raise LookupError(f"no unused household matches {where}")

    def set_member(self, member_id: int, **values: Any) -> None:
        self.execute(update(Member).where(Member.id == member_id).values(**values))

    def set_members(self, household_id: int, **values: Any) -> None:
        stmt = update(Member).where(Member.household_id == household_id).values(**values)
        self.execute(stmt)

    def set_household(self, household_id: int, **values: Any) -> None:
        stmt = update(Household).where(Household.id == household_id).values(**values)
        self.execute(stmt)

    def members_of(self, household_id: int) -> list[tuple[int, str, str]]:
        stmt = text(
            "SELECT id, relationship, labour_capacity FROM members "
            "WHERE household_id = :h ORDER BY id"
        )
        return [(row[0], row[1], row[2]) for row in self.execute(stmt, {"h": household_id})]


def write_public_security(
    feeds: Path, batch_id: int, period: str, rows: list[tuple[int, int, str, dt.date]]
) -> Path:
    """A staged public-security batch as the ingest writes it (member, household, event, date)."""
    table = pa.table(
        {
            "member_id": pa.array([r[0] for r in rows], pa.int64()),
            "household_id": pa.array([r[1] for r in rows], pa.int64()),
            "event": pa.array([r[2] for r in rows], pa.string()),
            "event_date": pa.array([r[3] for r in rows], pa.date32()),
            "batch_id": pa.array([batch_id] * len(rows), pa.int64()),
            "period": pa.array([period] * len(rows), pa.string()),
        }
    )
    path = feeds / "public_security" / f"period={period}" / f"batch-{batch_id}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def record_batch(engine: Engine, batch_id: int, period: str, status: str = "committed") -> None:
    with engine.begin() as connection:
        connection.execute(
            IngestBatch.__table__.insert().values(
                id=batch_id,
                feed="public_security",
                period=period,
                status=status,
                source_name=f"public_security-{period}.csv",
                source_format="csv",
                content_sha256=f"{batch_id:064d}",
                size_bytes=1,
                rows_in=1,
                accepted=1,
                rejected=0,
                unmatched=0,
                needs_confirmation=0,
                started_at=utcnow(),
            )
        )
