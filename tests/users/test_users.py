"""Users: who may add whom, where."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bottomline.db import write_scope
from bottomline.errors import PermissionDenied, UserError
from bottomline.users.actions import add_user
from bottomline.users.actor import SYSTEM, Actor
from bottomline.users.enums import Role
from bottomline.users.queries import actor_named

COUNTY = Actor("county.li", Role.county, "532328000000")


def test_users_are_added_at_the_level_of_their_role(engine: Engine) -> None:
    with write_scope(engine) as session:
        add_user(
            session,
            username="county.li",
            display_name="李",
            role=Role.county,
            region_code="532328000000",
            acting=SYSTEM,
        )
        add_user(
            session,
            username="cadre.wang",
            display_name="王",
            role=Role.village,
            region_code="532328101201",
            acting=COUNTY,
        )
        assert actor_named(session, "cadre.wang") == Actor(
            "cadre.wang", Role.village, "532328101201"
        )
        with pytest.raises(UserError, match="must be placed at a village"):
            add_user(
                session,
                username="x.y",
                display_name="x",
                role=Role.village,
                region_code="532328101000",
                acting=COUNTY,
            )
        with pytest.raises(UserError, match="exists already"):
            add_user(
                session,
                username="cadre.wang",
                display_name="王",
                role=Role.village,
                region_code="532328101201",
                acting=COUNTY,
            )


@pytest.mark.parametrize(
    ("acting", "role", "username", "region", "error"),
    [
        (
            Actor("a", Role.auditor, "532328000000"),
            Role.county,
            "c.d",
            "532328000000",
            PermissionDenied,
        ),
        (
            Actor("v", Role.village, "532328101201"),
            Role.village,
            "c.d",
            "532328101201",
            PermissionDenied,
        ),
        (COUNTY, Role.county, "c.d", "532329000000", PermissionDenied),  # another county
        (SYSTEM, Role.system, "robot", "000000000000", UserError),
        (SYSTEM, Role.county, "system", "532328000000", UserError),
        (SYSTEM, Role.county, "Bad Name", "532328000000", UserError),
    ],
)
def test_who_may_add_whom(
    engine: Engine,
    acting: Actor,
    role: Role,
    username: str,
    region: str,
    error: type[Exception],
) -> None:
    with write_scope(engine) as session, pytest.raises(error):
        add_user(
            session,
            username=username,
            display_name="x",
            role=role,
            region_code=region,
            acting=acting,
        )


def test_unknown_users_are_named(engine: Engine) -> None:
    with write_scope(engine) as session, pytest.raises(UserError, match="no active user"):
        actor_named(session, "nobody")
