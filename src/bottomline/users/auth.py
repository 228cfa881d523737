"""Logins and tokens: who acts, proven by a password or a token.

A password is kept only as its argon2id hash (:mod:`bottomline.users.passwords`). A login that succeeds issues a token — a
browser session or a CLI login — and every later request or command presents the token, not
the password. Department systems act with API tokens an administrator issues, limited to their
own feeds. A token is 256 random bits shown once; the store keeps its sha256.

Failures look alike: an unknown user, a wrong password, a locked account, and an unknown,
expired or revoked token all answer :class:`~bottomline.errors.NotAuthenticated` with the same
words, and an unknown user still costs one argon2 verification, so neither the message nor the
time tells a prober which names exist. Five wrong passwords in a row lock the account for
15 minutes (the counter is kept even though the attempt fails: :func:`attempt_login` returns
``None`` instead of raising, so the caller commits it).

Every change is an audited action: ``user.password``, ``user.login``, ``user.login_failed``,
``token.issue``, ``token.revoke``. Passwords and tokens never reach the audit log or any
message; the log records the token's id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bottomline import audit
from bottomline.db import storable_id, utcnow
from bottomline.errors import NotAuthenticated, NotFound, PermissionDenied, UserError
from bottomline.labels import LabelledEnum
from bottomline.users.actions import ADMINS, check_not_retired_system
from bottomline.users.actor import Actor
from bottomline.users.enums import Role
from bottomline.users.models import Token, User
from bottomline.users.passwords import hash_password, needs_rehash, verify

MAX_FAILURES = 5
LOCKED_FOR = dt.timedelta(minutes=15)
API_TOKEN_MAX_DAYS = 366
TOKEN_PREFIX = "blt_"  # makes a leaked token easy to find in a file or a log scanner
ANONYMOUS = "anonymous"  # the audit log's actor of a failed login
_USED_EVERY = dt.timedelta(minutes=5)  # how often a token's last_used_at is brought forward


class TokenKind(LabelledEnum):
    session = ("session", "浏览器会话", "browser session")
    cli = ("cli", "命令行登录", "command-line login")
    api = ("api", "接口令牌", "API token (department systems, scripts)")


LIFETIMES = {TokenKind.session: dt.timedelta(hours=12), TokenKind.cli: dt.timedelta(days=7)}


@dataclass(frozen=True, slots=True)
class Issued:
    """A token just issued: its text (shown once, never stored) and its record."""

    actor: Actor
    token: str
    token_id: int
    expires_at: dt.datetime


def refused() -> NotAuthenticated:
    """The one answer to every failed login or token: it names no cause."""
    return NotAuthenticated(
        "用户名或密码不对，或账户暂被锁定，或令牌无效 / wrong user name or password, a locked "
        "account, or a token that is not valid",
        hint="核对后重新登录；连续输错 5 次锁定 15 分钟 / check and log in again; five wrong "
        "passwords in a row lock the account for 15 minutes",
    )


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def set_password(session: Session, *, username: str, password: str, acting: Actor) -> None:
    """Set ``username``'s password: by the user, or by an administrator of their region (and by
    ``system`` while the store has no administrator). Unlocks the account."""
    check_not_retired_system(session, acting)
    user = _user(session, username)
    if user is None or not (acting.name == username or _manages(acting, user)):
        raise PermissionDenied(
            f"{acting} 不能为 {username!r} 设置密码 / {acting} cannot set {username!r}'s password",
            hint="由本人或其辖区的管理员设置 / the user or an administrator of their region sets it",
        )
    user.password_hash = hash_password(password, username)
    user.failed_logins, user.locked_until = 0, None
    change = audit.Change("user.password", "user", user.id, region_code=user.region_code)
    audit.record(session, change, actor=acting.name, role=acting.role.value)


def attempt_login(
    session: Session,
    *,
    username: str,
    password: str,
    kind: TokenKind = TokenKind.session,
    now: dt.datetime | None = None,
) -> Issued | None:
    """A token for ``username`` if ``password`` is theirs and the account is open; ``None``
    otherwise, with the failure counted (the caller commits either way, then answers a
    ``None`` with :func:`refused`)."""
    if kind is TokenKind.api:
        raise ValueError("API tokens are issued, not logged in for")  # a caller's bug
    now = now or utcnow()
    user = _user(session, username)
    if user is None or not user.active or user.password_hash is None:
        verify(None, password)
        return None
    if user.locked_until is not None and now < user.locked_until:
        verify(None, password)
        _failed(session, user, locked=True)
        return None
    if not verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.failed_logins, user.locked_until = 0, now + LOCKED_FOR
        _failed(session, user, locked=user.locked_until is not None and now < user.locked_until)
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password, username)
    user.failed_logins, user.locked_until = 0, None
    actor = _actor(user)
    issued = _issue(session, user, kind=kind, label="", feeds=None, expires=now + LIFETIMES[kind])
    change = audit.Change(
        "user.login",
        "user",
        user.id,
        region_code=user.region_code,
        after={"kind": kind.value, "token_id": issued.token_id},
    )
    audit.record(session, change, actor=actor.name, role=actor.role.value)
    return issued


def issue_api_token(
    session: Session,
    *,
    username: str,
    acting: Actor,
    label: str,
    days: int,
    feeds: Iterable[str] | None = None,
    now: dt.datetime | None = None,
) -> Issued:
    """An API token for ``username`` (a department system, a script), valid ``days`` days and
    limited to ``feeds`` when given; issued by an administrator of the user's region. A
    department user's token must name its feeds."""
    check_not_retired_system(session, acting)
    user = _user(session, username)
    if user is None or not user.active or not _manages(acting, user):
        raise PermissionDenied(
            f"{acting} 不能为 {username!r} 签发令牌 / {acting} cannot issue tokens for "
            f"{username!r}",
            hint="由该用户辖区的管理员签发 / an administrator of the user's region issues them",
        )
    if not 1 <= days <= API_TOKEN_MAX_DAYS:
        raise UserError(
            f"令牌有效期须为 1 至 {API_TOKEN_MAX_DAYS} 天，而不是 {days} / a token is valid for "
            f"1 to {API_TOKEN_MAX_DAYS} days, not {days}"
        )
    limited = None if feeds is None else sorted(set(feeds))
    if user.role == Role.department.value and not limited:
        raise UserError(
            f"部门用户 {username!r} 的令牌须写明可报送的数据 / a token of the department user "
            f"{username!r} must name the feeds it may send"
        )
    now = now or utcnow()
    issued = _issue(
        session,
        user,
        kind=TokenKind.api,
        label=label.strip()[:100],
        feeds=limited,
        expires=now + dt.timedelta(days=days),
    )
    change = audit.Change(
        "token.issue",
        "user_token",
        issued.token_id,
        region_code=user.region_code,
        after={
            "username": username,
            "kind": TokenKind.api.value,
            "label": label.strip()[:100],
            "feeds": limited,
            "expires_at": issued.expires_at,
        },
    )
    audit.record(session, change, actor=acting.name, role=acting.role.value)
    return issued


def actor_for_token(session: Session, token: str, *, now: dt.datetime | None = None) -> Actor:
    """The user ``token`` proves, as an actor limited to the token's feeds; raises
    :class:`NotAuthenticated` for a token unknown, expired or revoked, or of a user no longer
    active. Brings the token's ``last_used_at`` forward in the same session when it is due."""
    actor, due = check_token(session, token, now=now)
    if due is not None:
        record_use(session, due, now=now)
    return actor


def check_token(
    session: Session, token: str, *, now: dt.datetime | None = None
) -> tuple[Actor, int | None]:
    """:func:`actor_for_token` without writing: the actor, and the token's id when its
    ``last_used_at`` is due to be brought forward (:func:`record_use`, in a write transaction;
    a server reads in read transactions)."""
    now = now or utcnow()
    row = session.scalars(select(Token).where(Token.digest == digest(token))).one_or_none()
    if row is None or row.revoked_at is not None or now >= row.expires_at:
        raise refused()
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise refused()
    due = row.last_used_at is None or now - row.last_used_at >= _USED_EVERY
    return _actor(user, row.feeds), row.id if due else None


def record_use(session: Session, token_id: int, *, now: dt.datetime | None = None) -> None:
    """Bring a token's ``last_used_at`` forward (bookkeeping for the administrator's token list,
    not an audited action)."""
    session.execute(update(Token).where(Token.id == token_id).values(last_used_at=now or utcnow()))


def revoke_token(session: Session, *, token_id: int, acting: Actor) -> None:
    """Revoke a token: its own user's, or one an administrator of the user's region manages.
    Revoking a revoked token changes nothing."""
    row = session.get(Token, token_id) if storable_id(token_id) else None
    user = None if row is None else session.get(User, row.user_id)
    if row is None or user is None or not (acting.name == user.username or _manages(acting, user)):
        raise NotFound(  # a token outside the actor's reach answers like none
            f"没有令牌 {token_id} / no token {token_id}",
            hint="查看可管理的令牌列表 / see the list of tokens you manage",
        )
    if row.revoked_at is not None:
        return
    row.revoked_at = utcnow()
    change = audit.Change(
        "token.revoke",
        "user_token",
        row.id,
        region_code=user.region_code,
        after={"username": user.username, "kind": row.kind},
    )
    audit.record(session, change, actor=acting.name, role=acting.role.value)


def logout(session: Session, *, token: str) -> bool:
    """Revoke the token presented (an audited ``token.revoke`` of its own user); False when it
    was not a valid token."""
    row = session.scalars(select(Token).where(Token.digest == digest(token))).one_or_none()
    user = None if row is None else session.get(User, row.user_id)
    if row is None or user is None or row.revoked_at is not None:
        return False
    revoke_token(session, token_id=row.id, acting=_actor(user))
    return True


def tokens_managed(session: Session, *, acting: Actor) -> list[tuple[Token, User]]:
    """The tokens ``acting`` may see: their own, and those of users an administrator manages."""
    rows = session.execute(
        select(Token, User).join(User, User.id == Token.user_id).order_by(Token.id)
    ).all()
    return [
        (token, user)
        for token, user in rows
        if acting.name == user.username or _manages(acting, user)
    ]


def _issue(
    session: Session,
    user: User,
    *,
    kind: TokenKind,
    label: str,
    feeds: list[str] | None,
    expires: dt.datetime,
) -> Issued:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = Token(
        user_id=user.id,
        digest=digest(token),
        kind=kind.value,
        label=label,
        feeds=feeds,
        expires_at=expires,
    )
    session.add(row)
    session.flush()
    return Issued(_actor(user, feeds), token, row.id, expires)


def _failed(session: Session, user: User, *, locked: bool) -> None:
    change = audit.Change(
        "user.login_failed",
        "user",
        user.id,
        region_code=user.region_code,
        after={"failed_logins": user.failed_logins, "locked": locked},
    )
    audit.record(session, change, actor=ANONYMOUS, role=ANONYMOUS)  # no one proved who


def _manages(acting: Actor, user: User) -> bool:
    return acting.role in ADMINS and acting.administers(user.region_code)


def _user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def _actor(user: User, feeds: Iterable[str] | None = None) -> Actor:
    limited = None if feeds is None else frozenset(feeds)
    return Actor(user.username, Role(user.role), user.region_code, limited)
