"""A county on each backend, served by the API, with users of every role in and out of scope.

The county (元谋县 in the synthetic registry) has two townships with a village each; each
village has a household with a case and a screening clue. Every user logs in once; requests
carry the token as ``Authorization: Bearer``. Built once per module and backend (the requests
read only; tests that write make their own store).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from bottomline import regions
from bottomline.api.app import create_app
from bottomline.cases.enums import Channel
from bottomline.cases.leads import NewLead, record_lead
from bottomline.db import make_engine, session_scope, upgrade, write_scope
from bottomline.policy.loader import load_directory
from bottomline.policy.resolve import index_documents
from bottomline.registry.actions import load_snapshot_tables
from bottomline.registry.models import Household, Region
from bottomline.screening.enums import Category, RiskType
from bottomline.screening.models import Lead, LeadHit
from bottomline.synth import population_for
from bottomline.users.actions import add_user
from bottomline.users.actor import SYSTEM, Actor
from bottomline.users.auth import attempt_login
from bottomline.users.enums import Role
from tests.conftest import PG_URL_VARIABLE, new_database

COUNTY = "532328000000"
TOWNSHIP = "532328201000"  # the synthetic registry's
VILLAGE = "532328201201"
OTHER_TOWNSHIP = "532328202000"  # added here, with half the households
OTHER_VILLAGE = "532328202201"
POLICIES = Path(__file__).resolve().parents[2] / "policies"
PASSWORD = "matrix-secret-2026"

# user name -> (role, region); "in" users reach VILLAGE, "out" users do not.
USERS: dict[str, tuple[Role, str]] = {
    "village.in": (Role.village, VILLAGE),
    "village.out": (Role.village, OTHER_VILLAGE),
    "township.in": (Role.township, TOWNSHIP),
    "township.out": (Role.township, OTHER_TOWNSHIP),
    "county.in": (Role.county, COUNTY),
    "county.out": (Role.county, "530102000000"),
    "city.in": (Role.city, "532300000000"),
    "province.in": (Role.province, "530000000000"),
    "province.out": (Role.province, "520000000000"),
    "auditor.in": (Role.auditor, COUNTY),
    "auditor.out": (Role.auditor, "530102000000"),
    "analyst.in": (Role.analyst, COUNTY),
    "department.in": (Role.department, COUNTY),
    "administrator.in": (Role.administrator, COUNTY),
}
READERS = frozenset(
    name
    for name, (role, region) in USERS.items()
    if role.reads_records and regions.within(VILLAGE, region)
)


@dataclass
class World:
    engine: Engine
    client: TestClient
    tokens: dict[str, str]
    household_no: str  # in VILLAGE
    case_id: int
    clue_id: int
    other_case_id: int  # in OTHER_VILLAGE
    other_clue_id: int
    logs: list[str] = field(default_factory=list)

    def get(self, user: str | None, path: str) -> tuple[int, object]:
        headers = {} if user is None else {"Authorization": f"Bearer {self.tokens[user]}"}
        response = self.client.get(path, headers=headers)
        return response.status_code, response.json()

    def post(self, user: str | None, path: str, body: object) -> tuple[int, Any]:
        headers = {} if user is None else {"Authorization": f"Bearer {self.tokens[user]}"}
        response = self.client.post(path, json=body, headers=headers)
        return response.status_code, response.json()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def backend_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('api') / 'bottomline.db'}"
        return
    yield from postgres_database()


def postgres_database() -> Iterator[str]:
    """A new database on the test server (dropped afterwards); a skip, or on CI a failure,
    when no server is set."""
    url = os.environ.get(PG_URL_VARIABLE)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests cannot run on CI: {PG_URL_VARIABLE} is not set")
        pytest.skip(f"{PG_URL_VARIABLE} is not set")
    admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with new_database(admin) as database:
            yield database
    finally:
        admin.dispose()


def add_clue(session: Session, household_id: int) -> int:
    lead = Lead(
        household_id=household_id,
        village_code=session.get_one(Household, household_id).village_code,
        cycle="2026-03",
        category="marginal",
        risk_types=["illness"],
        policy_ref="abc",
        reported_on=dt.date(2026, 3, 31),
    )
    session.add(lead)
    session.flush()
    session.add(
        LeadHit(
            lead_id=lead.id,
            rule_id="income.within_range",
            rule_version=1,
            policy_ref="abc",
            evidence={"pc_net_income": 5200.0, "income_line": 8700.0, "size": 3.0},
        )
    )
    return lead.id


def build_world(url: str, data_dir: Path) -> World:
    engine = make_engine(url)
    upgrade(engine)
    population = population_for(scope=COUNTY, households=24, seed=20260302, year=2025)
    assert set(population.tables["households"].column("village_code").to_pylist()) == {VILLAGE}
    load_snapshot_tables(engine=engine, tables=population.tables)
    policies = index_documents(load_directory(POLICIES))
    with write_scope(engine) as session:
        session.add(Region(code=OTHER_TOWNSHIP, name="别乡", level="township", parent_code=COUNTY))
        session.add(
            Region(code=OTHER_VILLAGE, name="别村", level="village", parent_code=OTHER_TOWNSHIP)
        )
        session.flush()
        ids = list(session.scalars(select(Household.id).order_by(Household.id)))
        moved = ids[len(ids) // 2 :]
        session.execute(
            update(Household).where(Household.id.in_(moved)).values(village_code=OTHER_VILLAGE)
        )
    here, there = ids[0], moved[0]
    case_ids = []
    with write_scope(engine) as session:
        for name, (role, region) in USERS.items():
            add_user(
                session,
                username=name,
                display_name=name,
                role=role,
                region_code=region,
                acting=SYSTEM,
                password=PASSWORD,
            )
        for household_id, village in ((here, VILLAGE), (there, OTHER_VILLAGE)):
            new = NewLead(
                household_id=household_id,
                channel=Channel.self_declaration,
                reported_on=dt.date(2026, 3, 2),
                risk_types=(RiskType.illness,),
                category=Category.marginal,
                evidence={"form": "自主申报表"},
            )
            cadre = Actor("cadre", Role.village, village)
            _lead, case = record_lead(session, new, actor=cadre, policies=policies)
            case_ids.append(case.id)
        clue_ids = [add_clue(session, here), add_clue(session, there)]
    tokens = {}
    with write_scope(engine) as session:
        for name in USERS:
            issued = attempt_login(session, username=name, password=PASSWORD)
            assert issued is not None
            tokens[name] = issued.token
    with session_scope(engine) as session:
        number = session.get_one(Household, here).household_no
    app = create_app(engine, policies=policies, data_dir=data_dir)
    client = TestClient(app, raise_server_exceptions=False)
    return World(engine, client, tokens, number, case_ids[0], clue_ids[0], case_ids[1], clue_ids[1])


@pytest.fixture(scope="module")
def world(backend_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    built = build_world(backend_url, tmp_path_factory.mktemp("data"))
    yield built
    built.client.close()
    built.engine.dispose()
