"""A scope limits a query to the acting user's region (or a part of it), and only that."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, MetaData, String, Table, create_engine, insert, select

from bottomline.users.actor import Actor
from bottomline.users.enums import Role
from bottomline.users.scope import Scope

VILLAGES = ["532328101201", "532328101202", "532328102201", "110101001001", "530102001001"]
places = Table("places", MetaData(), Column("village_code", String(12)))


def _within(scope: Scope) -> list[str]:
    engine = create_engine("sqlite://")
    places.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(places), [{"village_code": v} for v in VILLAGES])
        query = select(places.c.village_code).where(scope.villages(places.c.village_code))
        return sorted(connection.scalars(query))


def test_a_scope_selects_the_villages_of_its_region_and_no_other() -> None:
    county = Actor("county.li", Role.county, "532328000000")
    assert _within(Scope.of(county)) == ["532328101201", "532328101202", "532328102201"]
    township = Scope.of(county).narrowed("532328101000")
    assert _within(township) == ["532328101201", "532328101202"]
    assert township.actor == county
    assert township.level == "township"
    province = Actor("province", Role.province, "530000000000")
    assert _within(Scope.of(province)) == sorted(VILLAGES[:3] + VILLAGES[4:])
    nation = Actor("auditor", Role.auditor, "000000000000")
    assert _within(Scope.of(nation)) == sorted(VILLAGES)


def test_a_scope_cannot_be_widened_beyond_its_actor() -> None:
    township = Scope.of(Actor("town", Role.township, "532328101000"))
    with pytest.raises(ValueError, match="outside"):
        township.narrowed("532328000000")
    with pytest.raises(ValueError, match="outside"):
        township.narrowed("532328102000")
