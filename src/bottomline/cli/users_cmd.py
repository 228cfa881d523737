"""``bottomline user | login | logout | whoami | token``: who may act, and proving who acts.

A password is read from a hidden prompt, or from the first line of standard input with
``--password-stdin`` (for scripts); it is never an option's value, so it does not reach the
shell's history or the process list. A token is printed once, when it is issued.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from bottomline.cli import params as p
from bottomline.cli.params import AsOpt
from bottomline.cli.ui import console
from bottomline.errors import UserError
from bottomline.users.enums import Role

USER_ROLES = tuple(role for role in Role if role is not Role.system)

user_app = typer.Typer(help="用户 / users: who may act where, in which role.", no_args_is_help=True)
token_app = typer.Typer(
    help="令牌 / API tokens for department systems and scripts.", no_args_is_help=True
)
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="从标准输入的第一行读密码 / read the password from stdin's first line.",
    ),
]


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add this module's commands to the ``bottomline`` app."""
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
    app.command("login")(login)
    app.command("logout")(logout)
    app.command("whoami")(whoami)


def _password(from_stdin: bool, *, confirm: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise UserError(
                "标准输入没有密码 / no password on standard input",
                hint="把密码写在标准输入的第一行 / write the password on the first line",
            )
        return password
    value: str = typer.prompt("密码 / password", hide_input=True, confirmation_prompt=confirm)
    return value


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="用户名 / user name, e.g. zhang.wei.")],
    name: Annotated[str, typer.Option(help="显示名 / the name shown, e.g. 张伟.")],
    role: Annotated[
        str,
        typer.Option(
            help="角色 / village, township, county, city, province, auditor, analyst, "
            "department or administrator."
        ),
    ],
    region: Annotated[str, typer.Option(help="工作区域 / the 12-digit code of the user's region.")],
    as_: AsOpt = None,
    password: Annotated[
        bool,
        typer.Option(
            "--password/--no-password",
            help="设置密码（管理员必须） / set a password (an administrator must have one).",
        ),
    ] = False,
    password_stdin: PasswordStdin = False,
) -> None:
    """添加用户 / Add a user (the first administrator is added `--as system`)."""
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope
    from bottomline.users.actions import add_user

    new_role = p.choice(Role, role, option="--role", allowed=USER_ROLES)
    secret = None
    if password or password_stdin or new_role is Role.administrator:
        secret = _password(password_stdin, confirm=True)
    with write_scope(open_store()) as session:
        user = add_user(
            session,
            username=username,
            display_name=name,
            role=new_role,
            region_code=p.known_region(session, region),
            acting=acting(session, as_),
            password=secret,
        )
    console.print(f"用户 / user {user.username}: {new_role.label} in {user.region_code}")
    if new_role is Role.administrator:
        console.print(
            "本库自此要求登录 / from now on this store requires a login: "
            f"bottomline login {user.username}"
        )


@user_app.command("passwd")
def user_passwd(
    username: Annotated[str, typer.Argument(help="用户名 / whose password.")],
    as_: AsOpt = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """设置密码 / Set a user's password (your own, or as an administrator of their region)."""
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope
    from bottomline.users.auth import set_password

    secret = _password(password_stdin, confirm=True)
    with write_scope(open_store()) as session:
        set_password(session, username=username, password=secret, acting=acting(session, as_))
    console.print(f"已设置 {username} 的密码 / password of {username} set")


@user_app.command("list")
def user_list() -> None:
    """用户列表 / Every user with role and region."""
    from bottomline.db import open_store, session_scope
    from bottomline.users.queries import list_users

    with session_scope(open_store()) as session:
        users = list_users(session)
        names = p.region_names(session, {u.region_code for u in users})
    table = Table(title=f"用户 / users ({len(users)})")
    for column in (
        "用户名 / user",
        "显示名 / name",
        "角色 / role",
        "区域 / region",
        "在用 / active",
        "密码 / password",
    ):
        table.add_column(column)
    for u in users:
        table.add_row(
            u.username,
            p.shown(u.display_name),
            Role(u.role).zh,
            f"{names.get(u.region_code, '')} ({u.region_code})",
            p.yes_no(u.active),
            p.yes_no(u.password_hash is not None),
        )
    console.print(table)


def login(
    username: Annotated[str, typer.Argument(help="用户名 / your user name.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """登录 / Log in: later commands act as you (a token kept for this store, valid 7 days)."""
    from bottomline.cli.credentials import save_token
    from bottomline.db import open_store, write_scope
    from bottomline.users.auth import TokenKind, attempt_login, refused

    secret = _password(password_stdin, confirm=False)
    with write_scope(open_store()) as session:
        issued = attempt_login(session, username=username, password=secret, kind=TokenKind.cli)
    if issued is None:  # the failure is committed (the lockout counts it); then refused
        raise refused()
    path = save_token(issued.token)
    console.print(
        f"已登录为 / logged in as {issued.actor}; 有效至 / valid until "
        f"{issued.expires_at:%Y-%m-%d %H:%M} UTC (token kept in {path})"
    )


def logout() -> None:
    """退出登录 / Log out: the saved token is revoked and deleted."""
    from bottomline.cli.credentials import forget_token, presented_token
    from bottomline.db import open_store, write_scope
    from bottomline.users.auth import logout as revoke

    token = presented_token()
    if token is None:
        console.print("未登录 / not logged in")
        return
    with write_scope(open_store()) as session:
        revoked = revoke(session, token=token)
    forget_token()
    console.print("已退出登录 / logged out" if revoked else "令牌已失效 / the token had expired")


def whoami(as_: AsOpt = None) -> None:
    """当前用户 / Who the CLI acts as on this store."""
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope

    with write_scope(open_store()) as session:
        actor = acting(session, as_)
    limited = "" if actor.feeds is None else f"; feeds: {', '.join(sorted(actor.feeds))}"
    console.print(f"{actor}{limited}")


@token_app.command("issue")
def token_issue(
    username: Annotated[str, typer.Argument(help="用户名 / the user the token acts as.")],
    label: Annotated[str, typer.Option(help="用途 / what it is for, e.g. 县医保局月报.")],
    feed: Annotated[
        list[str] | None,
        typer.Option(
            help="限于此数据（可重复；部门用户必须） / only this feed (repeat; required "
            "for a department user)."
        ),
    ] = None,
    days: Annotated[int, typer.Option(help="有效天数 / days it is valid (at most 366).")] = 90,
    as_: AsOpt = None,
) -> None:
    """签发令牌 / Issue an API token (printed once; keep it in the system that uses it)."""
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope
    from bottomline.ingest.actions import feed_named
    from bottomline.users.auth import issue_api_token

    feeds = None if not feed else [feed_named(name).name for name in feed]
    with write_scope(open_store()) as session:
        issued = issue_api_token(
            session,
            username=username,
            acting=acting(session, as_),
            label=label,
            days=days,
            feeds=feeds,
        )
    console.print(
        f"令牌 / token {issued.token_id} for {issued.actor}, valid until "
        f"{issued.expires_at:%Y-%m-%d}; 只显示这一次 / shown this once:"
    )
    print(issued.token)  # plain, for a script to read; never logged


@token_app.command("list")
def token_list(as_: AsOpt = None) -> None:
    """令牌列表 / Your tokens, and those of the users you administer."""
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope
    from bottomline.users.auth import TokenKind, tokens_managed

    with write_scope(open_store()) as session:
        rows = tokens_managed(session, acting=acting(session, as_))
        shown = [
            (
                str(t.id),
                u.username,
                TokenKind(t.kind).zh,
                p.shown(t.label),
                ", ".join(t.feeds or ()) or "—",
                f"{t.expires_at:%Y-%m-%d}",
                "—" if t.last_used_at is None else f"{t.last_used_at:%Y-%m-%d %H:%M}",
                "已吊销 / revoked" if t.revoked_at is not None else "",
            )
            for t, u in rows
        ]
    table = Table(title=f"令牌 / tokens ({len(shown)})")
    for column in (
        "编号 / id",
        "用户 / user",
        "类型 / kind",
        "用途 / label",
        "数据 / feeds",
        "有效至 / expires",
        "最近使用 / last used",
        "状态 / state",
    ):
        table.add_column(column)
    for row in shown:
        table.add_row(*row)
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="令牌编号 / the token's id (see token list).")],
    as_: AsOpt = None,
) -> None:
    """吊销令牌 / Revoke a token at once."""
    from bottomline.cli.credentials import acting
    from bottomline.db import open_store, write_scope
    from bottomline.users.auth import revoke_token

    with write_scope(open_store()) as session:
        revoke_token(session, token_id=token_id, acting=acting(session, as_))
    console.print(f"令牌 {token_id} 已吊销 / token {token_id} revoked")
