"""Who the CLI acts as: the logged-in user's token, or ``--as`` on a store without logins.

A store without an administrator is a trial store: whoever opens it names the acting user with
``--as`` (the demo, a county's first look). Once an administrator exists, every command that
acts proves its user with a token — the one ``bottomline login`` saved for this store, or
``BOTTOMLINE_TOKEN`` — and ``--as`` may only repeat that user's name. The built-in ``system``
user is then refused.

The saved token lives in a file readable by its owner only, one per store (keyed by a hash of
the store's URL, so the URL and its password are not written there).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from bottomline.errors import NotAuthenticated, PermissionDenied, UserError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bottomline.users.actor import Actor


def token_path() -> Path:
    from bottomline.config import get_settings

    settings = get_settings()
    if settings.token_file is not None:
        return settings.token_file
    store = hashlib.sha256(settings.resolved_database_url().encode()).hexdigest()[:16]
    return Path.home() / ".config" / "bottomline" / f"token-{store}"


def presented_token() -> str | None:
    """``BOTTOMLINE_TOKEN``, else the token saved by ``bottomline login``; None without one."""
    from bottomline.config import get_settings

    if get_settings().token:
        return get_settings().token
    path = token_path()
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UserError(
            f"读不了登录令牌文件 {path} / cannot read the login token file {path}: {exc.strerror}",
            hint="重新登录：bottomline login / log in again: bottomline login",
        ) from exc
    return text or None


def save_token(token: str) -> Path:
    path = token_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    os.chmod(path, 0o600)  # an older file may have had wider rights
    return path


def forget_token() -> None:
    token_path().unlink(missing_ok=True)


def acting(session: Session, as_: str | None) -> Actor:
    """The acting user of a command: proven by the presented token when there is one (and
    always once the store has an administrator), else the user ``--as`` names."""
    from bottomline.users.actions import administrator_exists
    from bottomline.users.auth import actor_for_token
    from bottomline.users.queries import actor_named

    token = presented_token()
    if token is not None:
        try:
            actor = actor_for_token(session, token)
        except NotAuthenticated as exc:
            exc.hint = "重新登录：bottomline login NAME / log in again: bottomline login NAME"
            raise
        if as_ is not None and as_ != actor.name:
            raise PermissionDenied(
                f"已登录为 {actor.name}，不能以 {as_} 操作 / logged in as {actor.name}, "
                f"not as {as_}",
                hint=f"去掉 --as，或以 {as_} 登录：bottomline login {as_}。/ drop --as, or "
                f"log in as {as_}: bottomline login {as_}",
            )
        return actor
    if administrator_exists(session):
        raise NotAuthenticated(
            "本库要求登录 / this store requires a login",
            hint="先登录：bottomline login NAME（脚本用 BOTTOMLINE_TOKEN） / log in first: "
            "bottomline login NAME (scripts set BOTTOMLINE_TOKEN)",
        )
    if as_ is None:
        raise UserError(
            "谁来操作？ / who acts?",
            hint="用 --as NAME 指定经办人，或先登录：bottomline login NAME。/ name the acting "
            "user with --as NAME, or log in first: bottomline login NAME",
        )
    return actor_named(session, as_)
