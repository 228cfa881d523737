"""Logins and tokens: passwords kept as argon2id hashes, failures alike and locked out after five,
tokens that expire and are revoked, department tokens limited to their feeds, and ``system``
retired once an administrator exists."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import Engine, select

from bottomline.audit import AuditEntry, verify
from bottomline.db import utcnow, write_scope
from bottomline.errors import NotAuthenticated, NotFound, PermissionDenied, UserError
from bottomline.ingest.actions import import_feed, open_feed_file
from bottomline.ingest.match import MemberIndex
from bottomline.users.actions import add_user
from bottomline.users.actor import SYSTEM, Actor
from bottomline.users.auth import (
    LOCKED_FOR,
    MAX_FAILURES,
    TokenKind,
    actor_for_token,
    attempt_login,
    issue_api_token,
    logout,
    revoke_token,
    set_password,
    tokens_managed,
)
from bottomline.users.enums import Role
from bottomline.users.models import Token, User
from bottomline.users.scope import Scope

COUNTY_CODE = "532328000000"
NO_MEMBERS = MemberIndex(
    pa.table(
        {
            "id_number": pa.array([], pa.string()),
            "member_id": pa.array([], pa.int64()),
            "household_id": pa.array([], pa.int64()),
            "name": pa.array([], pa.string()),
            "birth_date": pa.array([], pa.date32()),
        }
    )
)
ADMIN_PASSWORD = "admin-secret-4711"
LI_PASSWORD = "county-secret-0815"


@pytest.fixture
def store(engine: Engine) -> Engine:
    """A county user (password set by system), then the county's administrator."""
    with write_scope(engine) as session:
        add_user(
            session,
            username="county.li",
            display_name="李",
            role=Role.county,
            region_code=COUNTY_CODE,
            acting=SYSTEM,
            password=LI_PASSWORD,
        )
        add_user(
            session,
            username="admin.wang",
            display_name="王",
            role=Role.administrator,
            region_code=COUNTY_CODE,
            acting=SYSTEM,
            password=ADMIN_PASSWORD,
        )
    return engine


def _login(engine: Engine, username: str, password: str, **kw: object):  # type: ignore[no-untyped-def]
    with write_scope(engine) as session:
        return attempt_login(session, username=username, password=password, **kw)  # type: ignore[arg-type]


def _admin(engine: Engine) -> Actor:
    issued = _login(engine, "admin.wang", ADMIN_PASSWORD)
    assert issued is not None
    return issued.actor


def test_a_password_is_kept_as_an_argon2id_hash_only(store: Engine) -> None:
    with write_scope(store) as session:
        user = session.scalars(select(User).where(User.username == "county.li")).one()
        assert user.password_hash is not None
        assert user.password_hash.startswith("$argon2id$")
        assert LI_PASSWORD not in user.password_hash


def test_a_login_issues_a_token_that_proves_the_user(store: Engine) -> None:
    issued = _login(store, "county.li", LI_PASSWORD, kind=TokenKind.cli)
    assert issued is not None
    assert issued.token.startswith("blt_")
    assert len(issued.token) > 40
    with write_scope(store) as session:
        assert actor_for_token(session, issued.token) == Actor(
            "county.li", Role.county, COUNTY_CODE
        )
        row = session.get(Token, issued.token_id)
        assert row is not None
        assert row.kind == "cli"
        assert row.digest == hashlib.sha256(issued.token.encode()).hexdigest()  # only this kept
        assert row.expires_at - utcnow() > dt.timedelta(days=6)
        logins = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.login")).all()
        assert [(e.actor, e.after["token_id"]) for e in logins] == [("county.li", issued.token_id)]
        assert verify(session).intact


def test_every_failure_answers_alike(store: Engine) -> None:
    with write_scope(store) as session:
        add_user(
            session,
            username="no.password",
            display_name="无",
            role=Role.county,
            region_code=COUNTY_CODE,
            acting=Actor("admin.wang", Role.administrator, COUNTY_CODE),
        )
    assert _login(store, "county.li", "not-the-password") is None
    assert _login(store, "nobody.here", LI_PASSWORD) is None
    assert _login(store, "no.password", "anything-at-all") is None
    with write_scope(store) as session:
        failed = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.login_failed")
        ).all()
        # Only the existing user's failure is logged, by no one (the attempt proved nobody).
        assert [(e.actor, e.after["failed_logins"]) for e in failed] == [("anonymous", 1)]
        with pytest.raises(NotAuthenticated) as wrong:
            actor_for_token(session, "blt_" + "x" * 43)
    assert "wrong user name or password" in str(wrong.value)


def test_five_wrong_passwords_lock_the_account_for_a_while(store: Engine) -> None:
    for _ in range(MAX_FAILURES):
        assert _login(store, "county.li", "not-the-password") is None
    assert _login(store, "county.li", LI_PASSWORD) is None  # locked: even the right one
    later = utcnow() + LOCKED_FOR + dt.timedelta(seconds=1)
    issued = _login(store, "county.li", LI_PASSWORD, now=later)
    assert issued is not None
    with write_scope(store) as session:
        user = session.scalars(select(User).where(User.username == "county.li")).one()
        assert (user.failed_logins, user.locked_until) == (0, None)
        failed = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.login_failed")
        ).all()
        assert [e.after["locked"] for e in failed] == [False] * (MAX_FAILURES - 1) + [True, True]


def test_tokens_expire_and_are_revoked(store: Engine) -> None:
    issued = _login(store, "county.li", LI_PASSWORD)
    assert issued is not None
    with write_scope(store) as session:
        with pytest.raises(NotAuthenticated):
            actor_for_token(session, issued.token, now=issued.expires_at)
        assert logout(session, token=issued.token)
        with pytest.raises(NotAuthenticated):
            actor_for_token(session, issued.token)
        assert not logout(session, token=issued.token)  # once
        revoked = session.scalars(select(AuditEntry).where(AuditEntry.action == "token.revoke"))
        assert [e.actor for e in revoked] == ["county.li"]


def test_a_deactivated_user_s_token_no_longer_acts(store: Engine) -> None:
    issued = _login(store, "county.li", LI_PASSWORD)
    assert issued is not None
    with write_scope(store) as session:
        user = session.scalars(select(User).where(User.username == "county.li")).one()
        user.active = False
    with write_scope(store) as session, pytest.raises(NotAuthenticated):
        actor_for_token(session, issued.token)


def test_system_acts_no_more_once_an_administrator_exists(store: Engine) -> None:
    with write_scope(store) as session:
        with pytest.raises(PermissionDenied, match="system user acts no more"):
            add_user(
                session,
                username="late.user",
                display_name="晚",
                role=Role.county,
                region_code=COUNTY_CODE,
                acting=SYSTEM,
            )
        with pytest.raises(PermissionDenied, match="system user acts no more"):
            set_password(session, username="county.li", password="another-one-99", acting=SYSTEM)


def test_an_administrator_needs_a_password(engine: Engine) -> None:
    with write_scope(engine) as session, pytest.raises(UserError, match="needs a password"):
        add_user(
            session,
            username="admin.x",
            display_name="x",
            role=Role.administrator,
            region_code=COUNTY_CODE,
            acting=SYSTEM,
        )


@pytest.mark.parametrize(
    ("password", "words"),
    [("short", "at least 10"), ("county.li", "at least 10"), ("aaaaaaaaaaaa", "4 different")],
)
def test_weak_passwords_are_refused(store: Engine, password: str, words: str) -> None:
    with write_scope(store) as session, pytest.raises(UserError, match=words):
        set_password(
            session,
            username="county.li",
            password=password,
            acting=Actor("county.li", Role.county, COUNTY_CODE),
        )


def test_who_may_set_a_password(store: Engine) -> None:
    admin = _admin(store)
    other_county = Actor("admin.zhao", Role.administrator, "532301000000")
    village = Actor("cadre.wang", Role.village, "532328101201")
    with write_scope(store) as session:
        set_password(session, username="county.li", password="set-by-admin-1", acting=admin)
        for acting in (other_county, village):
            with pytest.raises(PermissionDenied):
                set_password(session, username="county.li", password="x-y-z-w-1234", acting=acting)
    assert _login(store, "county.li", "set-by-admin-1") is not None


def test_a_department_token_is_limited_to_its_feeds(store: Engine, tmp_path: Path) -> None:
    admin = _admin(store)
    with write_scope(store) as session:
        add_user(
            session,
            username="med.clerk",
            display_name="医保局",
            role=Role.department,
            region_code=COUNTY_CODE,
            acting=admin,
        )
        with pytest.raises(UserError, match="must name the feeds"):
            issue_api_token(session, username="med.clerk", acting=admin, label="月报", days=90)
        with pytest.raises(UserError, match="1 to 366 days"):
            issue_api_token(
                session, username="med.clerk", acting=admin, label="月报", days=0, feeds=["medical"]
            )
        issued = issue_api_token(
            session, username="med.clerk", acting=admin, label="月报", days=90, feeds=["medical"]
        )
        clerk = actor_for_token(session, issued.token)
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "token.issue")).one()
        assert entry.after["feeds"] == ["medical"]
        assert issued.token not in json.dumps(entry.after)
    assert clerk.feeds == frozenset({"medical"})
    # A department reads no personal records: no scope, and every region looks empty.
    with pytest.raises(PermissionDenied):
        Scope.of(clerk)
    assert not clerk.covers("532328101201")
    source = tmp_path / "civil.csv"
    source.write_text("身份证号,姓名,救助类型,变动类型,起始日期,月救助金额\n", encoding="utf-8")
    with pytest.raises(PermissionDenied, match="does not send civil_affairs"):
        import_feed(
            open_feed_file(source, feed="civil_affairs"),
            actor=clerk,
            engine=store,
            feed="civil_affairs",
            period="2025-10",
            members=NO_MEMBERS,
            feeds_dir=tmp_path / "feeds",
            reports_dir=tmp_path / "reports",
        )


def test_tokens_are_managed_within_the_administrator_s_region(store: Engine) -> None:
    admin = _admin(store)
    other = Actor("admin.zhao", Role.administrator, "532301000000")
    with write_scope(store) as session:
        issued = issue_api_token(session, username="county.li", acting=admin, label="脚本", days=7)
        with pytest.raises(PermissionDenied):
            issue_api_token(session, username="county.li", acting=other, label="x", days=7)
        assert issued.token_id not in {t.id for t, _ in tokens_managed(session, acting=other)}
        with pytest.raises(NotFound):  # outside the region answers like no such token
            revoke_token(session, token_id=issued.token_id, acting=other)
        with pytest.raises(NotFound):
            revoke_token(session, token_id=999_999, acting=other)
        revoke_token(session, token_id=issued.token_id, acting=admin)
        with pytest.raises(NotAuthenticated):
            actor_for_token(session, issued.token)


@pytest.mark.parametrize("role", [Role.analyst, Role.department, Role.administrator])
def test_roles_without_personal_records_reach_none(role: Role) -> None:
    actor = Actor("someone", role, COUNTY_CODE)
    assert not actor.covers("532328101201")
    assert actor.administers("532328101201")
    with pytest.raises(PermissionDenied, match="does not read"):
        Scope.of(actor)
