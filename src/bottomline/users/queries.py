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
            hint="核对用户名，或先添加该用户 / check the user name, or add the user first",
            reason="user_not_found",
        )
    return Actor(user.username, Role(user.role), user.region_code)


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.region_code, User.username)))
