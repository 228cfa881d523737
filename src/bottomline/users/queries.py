"""Reads of users."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bottomline.errors import UserError
from bottomline.users.actor import SYSTEM, Actor
from bottomline.users.enums import Role
from bottomline.users.models import User


def actor_named(session: Session, username: str) -> Actor:
    """The active user ``username`` as an actor; ``system`` is the built-in automation actor."""
    if username == SYSTEM.name:
        return SYSTEM
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None or not user.active:
        raise UserError(
            f"没有在用的用户 {username!r} / no active user {username!r}",
            hint="用 `bottomline user list` 查看用户，用 `bottomline user add` 添加 / "
            "list users with `bottomline user list`, add one with `bottomline user add`",
        )
    return Actor(user.username, Role(user.role), user.region_code)


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.region_code, User.username)))
