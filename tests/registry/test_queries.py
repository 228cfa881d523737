"""Registry reads and the derived income figures."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bottomline.db import session_scope
from bottomline.errors import UnknownRegionError
from bottomline.regions import NATIONAL_CODE
from bottomline.registry.actions import load_snapshot_tables
from bottomline.registry.models import HouseholdIncome
from bottomline.registry.queries import count_households, get_household, household_size
from tests.registry.snapshots import (
    CITY,
    COUNTY,
    PROVINCE,
    TOWN_A,
    TOWN_B,
    VILLAGE_A1,
    VILLAGE_A2,
    small_snapshot,
)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    load_snapshot_tables(engine=engine, tables=small_snapshot())
    with session_scope(engine) as session:
        yield session


@pytest.mark.parametrize(
    ("region_code", "expected"),
    [
        (None, 4),
        (NATIONAL_CODE, 4),
        (PROVINCE, 4),
        (CITY, 4),
        (COUNTY, 4),
        (TOWN_A, 3),
        (TOWN_B, 1),
        (VILLAGE_A1, 2),
        (VILLAGE_A2, 1),
    ],
)
def test_count_households_counts_the_region_subtree(
    session: Session, region_code: str | None, expected: int
) -> None:
    assert count_households(session=session, region_code=region_code) == expected


def test_count_households_refuses_an_unknown_region(session: Session) -> None:
    with pytest.raises(UnknownRegionError, match="532329000000"):
        count_households(session=session, region_code="532329000000")


def test_household_size_counts_members(session: Session) -> None:
    sizes = [household_size(session=session, household_id=h) for h in (1, 2, 3, 4, 99)]

    assert sizes == [3, 3, 1, 0, 0]


def test_get_household(session: Session) -> None:
    household = get_household(session=session, household_id=2)

    assert household is not None
    assert household.household_no == "5323280002"
    assert [m.relationship for m in household.members] == ["spouse", "head", "child"]
    assert get_household(session=session, household_id=99) is None


def test_net_income_and_per_capita() -> None:
    income = HouseholdIncome(
        household_id=1,
        year=2025,
        wage=Decimal("10000.00"),
        business=Decimal("2000.50"),
        property=Decimal("0.00"),
        transfer_dibao=Decimal("1200.00"),
        transfer_tekun=Decimal("0.00"),
        transfer_pension=Decimal("0.00"),
        transfer_eco=Decimal("0.00"),
        transfer_relief=Decimal("0.00"),
        transfer_insurance=Decimal("0.00"),
        transfer_other=Decimal("0.01"),
        production_costs=Decimal("1000.00"),
        medical_oop=Decimal("5000.00"),  # spending, not part of net income
        education_oop=Decimal("0.00"),
    )

    assert income.net_income == Decimal("12200.51")
    assert income.per_capita_net_income(3) == Decimal("4066.84")
    assert income.per_capita_net_income(2) == Decimal("6100.26")  # 6100.255 rounds half up
    with pytest.raises(ValueError, match="at least 1"):
        income.per_capita_net_income(0)
