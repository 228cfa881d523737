"""Reads of the household registry (unscoped: access functions apply the actor's region scope)."""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from bottomline import regions
from bottomline.db import driver_rows, record_batch
from bottomline.errors import UnknownRegionError
from bottomline.regions import NATIONAL_CODE
from bottomline.registry.models import Household, Member, Region


def get_household(*, session: Session, household_id: int) -> Household | None:
    return session.get(Household, household_id)


def household_size(*, session: Session, household_id: int) -> int:
    """Number of members registered in the household (not those an import removed)."""
    stmt = (
        select(func.count())
        .select_from(Member)
        .where(Member.household_id == household_id, Member.removed_at.is_(None))
    )
    return session.scalar(stmt) or 0


def count_households(*, session: Session, region_code: str | None = None) -> int:
    """Households in the region's subtree (all of them for None or the national code), not
    counting those a registry import marked removed."""
    stmt = select(func.count()).select_from(Household).where(Household.removed_at.is_(None))
    if region_code is not None and region_code != NATIONAL_CODE:
        low, high = village_code_range(session=session, region_code=region_code)
        stmt = stmt.where(Household.village_code.between(low, high))
    return session.scalar(stmt) or 0


def village_code_range(*, session: Session, region_code: str) -> tuple[str, str]:
    """The first and last possible village codes under a region: a range the index can serve."""
    region = session.get(Region, region_code)
    if region is None:
        raise UnknownRegionError(
            f"登记库中没有区域 {region_code!r} / region {region_code!r} is not in the registry",
            hint="给出已导入农户的省、市、县、乡镇或村的12位代码 / "
            "use the 12-digit code of a province, city, county, township or village "
            "whose households were loaded",
        )
    return regions.code_range(region_code)


def member_index(*, connection: Connection) -> pa.Table:
    """Registry members that department rows can match: the registry's people, not removed.

    Columns ``id_number``, ``member_id``, ``household_id``, ``name``, ``birth_date``. Read in
    chunks off the driver's cursor (``db.driver_rows``), so a province (17M people) stays
    within memory.
    """
    stmt = (
        select(Member.id_number, Member.id, Member.household_id, Member.name, Member.birth_date)
        .join(Household, Household.id == Member.household_id)
        .where(Member.removed_at.is_(None), Household.removed_at.is_(None))
    )
    batches = [record_batch(rows, MEMBER_INDEX) for rows in driver_rows(connection, stmt, 200_000)]
    return pa.Table.from_batches(batches, schema=MEMBER_INDEX)


MEMBER_INDEX = pa.schema(
    [
        pa.field("id_number", pa.string(), nullable=False),
        pa.field("member_id", pa.int64(), nullable=False),
        pa.field("household_id", pa.int64(), nullable=False),
        pa.field("name", pa.string()),
        pa.field("birth_date", pa.date32()),
    ]
)
