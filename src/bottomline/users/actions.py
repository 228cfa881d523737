"""Writes on users; each takes the acting user and writes its audit row."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.errors import PermissionDenied, UserError
from bottomline.regions import level_of
from bottomline.users.actor import SYSTEM, Actor
from bottomline.users.enums import Role
from bottomline.users.models import User
from bottomline.users.passwords import hash_password

ADMINS = frozenset({Role.county, Role.city, Role.province, Role.administrator, Role.system})
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


def add_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: Role,
    region_code: str,
    acting: Actor,
    password: str | None = None,
) -> User:
    """Create a user working at ``region_code`` in ``role``, with ``password`` when given (an
    administrator needs one: from the first administrator on, only a login acts)."""
    _check_username(username)
    _check_region(role, region_code)
    check_not_retired_system(session, acting)
    if acting.role not in ADMINS:
        raise PermissionDenied(
            f"{acting} 不能添加用户 / {acting} cannot add users",
            hint="用户由管理员或县、市、省级用户添加（第一个由 system 添加） / "
            "users are added by administrators or county, city or province users (the first "
            "one by system)",
        )
    if role is Role.system or username == SYSTEM.name:
        raise UserError(
            "'system' 是内置的自动化用户，不能添加 / "
            "'system' is the built-in automation user; it cannot be added",
            hint="为人员选择角色 / choose a person's role: village, township, county, city, "
            "province, auditor, analyst, department or administrator",
        )
    if not acting.administers(region_code):
        raise PermissionDenied(
            f"{acting} 不能在 {region_code} 添加用户 / {acting} cannot add users in {region_code}",
            hint="请上级辖区的管理员添加 / ask an administrator of a region that contains it",
        )
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(
            f"用户 {username!r} 已存在 / user {username!r} exists already",
            hint="换一个用户名 / choose another user name",
        )
    if role is Role.administrator and password is None:
        raise UserError(
            "管理员须有密码 / an administrator needs a password",
            hint="添加时设置密码 / set the password when adding the user",
        )
    user = User(
        username=username,
        display_name=display_name,
        role=role.value,
        region_code=region_code,
        password_hash=None if password is None else hash_password(password, username),
    )
    session.add(user)
    session.flush()
    change = audit.Change(
        "user.add",
        "user",
        user.id,
        region_code=region_code,
        after={
            "username": username,
            "role": role.value,
            "region_code": region_code,
            "password": password is not None,
        },
    )
    audit.record(session, change, actor=acting.name, role=acting.role.value)
    return user


def administrator_exists(session: Session) -> bool:
    """Whether the store has an active administrator: from then on logins are required and the
    built-in ``system`` user is refused (it exists only to create the first administrator)."""
    found = select(User.id).where(User.role == Role.administrator.value, User.active.is_(True))
    return session.scalar(found.limit(1)) is not None


def check_not_retired_system(session: Session, acting: Actor) -> None:
    """Refuse ``system`` acting for a person once the store has an administrator."""
    if acting.role is Role.system and administrator_exists(session):
        raise PermissionDenied(
            "本库已有管理员，内置的 system 用户不能再操作 / this store has an administrator; "
            "the built-in system user acts no more",
            hint="以自己的用户登录后操作 / log in as your own user",
        )


def _check_username(username: str) -> None:
    if not USERNAME.match(username):
        raise UserError(
            f"{username!r} 不能用作用户名 / {username!r} is not a usable user name",
            hint="用 2 至 63 个小写字母、数字、'.'、'_' 或 '-'，例如 zhang.wei / "
            "use 2-63 lower-case letters, digits, '.', '_' or '-', e.g. zhang.wei",
        )


def _check_region(role: Role, region_code: str) -> None:
    if not re.fullmatch(r"\d{12}", region_code):
        raise UserError(
            f"{region_code!r} 不是12位区划代码 / {region_code!r} is not a 12-digit division code",
            hint="给出用户工作的区域，例如村 532328101201 / "
            "give the region the user works in, e.g. 532328101201 for a village",
        )
    level = level_of(region_code)
    if role.level is not None and level != role.level:
        want = _LEVEL_ZH[role.level]
        raise UserError(
            f"{role.zh}用户须设在{want}，而 {region_code} 是{_LEVEL_ZH[level]} / "
            f"a {role.value} user must be placed at a {role.level}, but {region_code} is a "
            f"{level}",
            hint=f"给出{want}代码，或选择该层级的角色 / "
            f"give a {role.level} code, or choose the role that works at that level",
        )


_LEVEL_ZH = {
    "nation": "全国",
    "province": "省",
    "city": "市",
    "county": "县",
    "township": "乡镇",
    "village": "村",
}
