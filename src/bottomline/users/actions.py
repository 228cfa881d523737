"""Writes on users; each takes the acting user and writes its audit row."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.errors import PermissionDenied, UserError
from bottomline.users.actor import SYSTEM, Actor, region_level
from bottomline.users.enums import Role
from bottomline.users.models import User

ADMINS = frozenset({Role.county, Role.city, Role.province, Role.system})
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


def add_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: Role,
    region_code: str,
    acting: Actor,
) -> User:
    """Create a user working at ``region_code`` in ``role``."""
    _check_username(username)
    _check_region(role, region_code)
    if acting.role not in ADMINS:
        raise PermissionDenied(
            f"{acting} cannot add users",
            hint="users are added by county, city or province users (the first one by `system`)",
        )
    if role is Role.system or username == SYSTEM.name:
        raise UserError(
            "'system' is the built-in automation user; it cannot be added",
            hint="choose a person's role: village, township, county, city, province or auditor",
        )
    if not acting.covers(region_code):
        raise PermissionDenied(
            f"{acting} cannot add users in {region_code}",
            hint="ask an administrator of a region that contains it",
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"user {username!r} exists already", hint="choose another user name")
    user = User(
        username=username, display_name=display_name, role=role.value, region_code=region_code
    )
    session.add(user)
    session.flush()
    change = audit.Change(
        "user.add",
        "user",
        user.id,
        region_code=region_code,
        after={"username": username, "role": role.value, "region_code": region_code},
    )
    audit.record(session, change, actor=acting.name, role=acting.role.value)
    return user


def _check_username(username: str) -> None:
    if not USERNAME.match(username):
        raise UserError(
            f"{username!r} is not a usable user name",
            hint="use 2-63 lower-case letters, digits, '.', '_' or '-', e.g. zhang.wei",
        )


def _check_region(role: Role, region_code: str) -> None:
    if not re.fullmatch(r"\d{12}", region_code):
        raise UserError(
            f"{region_code!r} is not a 12-digit division code",
            hint="give the region the user works in, e.g. 532328101201 for a village",
        )
    if role.level is not None and region_level(region_code) != role.level:
        raise UserError(
            f"a {role.value} user must be placed at a {role.level}, but {region_code} is a "
            f"{region_level(region_code)}",
            hint=f"give a {role.level} code, or choose the role that works at that level",
        )
