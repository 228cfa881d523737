"""A small synthetic county in the store, the policies, and users at every level.

Days are in 2026 (the checked-in policies resolve for it; steps may not be dated in the future).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bottomline.cases.models import Case
from bottomline.db import session_scope, write_scope
from bottomline.policy.loader import load_directory
from bottomline.policy.resolve import PolicyIndex, index_documents
from bottomline.registry.actions import load_snapshot_tables
from bottomline.registry.models import Household
from bottomline.synth import population_for
from bottomline.synth.population import Population
from bottomline.users.actor import SYSTEM, Actor
from bottomline.users.enums import Role

COUNTY = "532328000000"  # 元谋县
POLICIES = Path(__file__).resolve().parents[2] / "policies"
FIRST_LEAD = dt.date(2026, 3, 2)  # a Monday, no holiday near


@pytest.fixture(scope="session")
def population() -> Population:
    return population_for(scope=COUNTY, households=40, seed=20260302, year=2025)


@pytest.fixture(scope="session")
def policies() -> PolicyIndex:
    return index_documents(load_directory(POLICIES))


@pytest.fixture
def store(engine: Engine, population: Population) -> Engine:
    load_snapshot_tables(engine=engine, tables=population.tables)
    return engine


@pytest.fixture
def household(store: Engine) -> Household:
    with session_scope(store) as session:
        return session.scalars(select(Household).order_by(Household.id).limit(1)).one()


class People:
    """Actors placed over one household's village: its village, township and county."""

    def __init__(self, village_code: str) -> None:
        township = village_code[:9] + "000"
        county = village_code[:6] + "000000"
        self.village = Actor("cadre", Role.village, village_code)
        self.township = Actor("township", Role.township, township)
        self.county = Actor("county", Role.county, county)
        self.auditor = Actor("auditor", Role.auditor, county)
        self.system = SYSTEM
        other = "1" if village_code[-1] != "1" else "2"
        self.other_village = Actor("stranger", Role.village, village_code[:-1] + other)
        self.other_county = Actor("elsewhere", Role.county, "530102000000")


@pytest.fixture
def people(household: Household) -> People:
    return People(household.village_code)


def load_case(store: Engine, case_id: int) -> Case:
    with session_scope(store) as session:
        return session.get_one(Case, case_id)


__all__ = ["FIRST_LEAD", "People", "load_case", "write_scope"]
