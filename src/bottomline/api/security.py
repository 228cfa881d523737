"""Who makes a request: a browser session (cookie) or a bearer token; CSRF and login limits.

* ``Authorization: Bearer blt_…`` — an API token (a department system, a script) or a CLI
  login's token. No cookie is read then, so CSRF does not arise.
* The ``bl_session`` cookie — set by ``POST /api/v1/session`` (HttpOnly, SameSite=Strict,
  Secure when the request came over TLS or the server is told it sits behind TLS). Every
  state-changing request with it must carry ``X-CSRF-Token``: the value the login returned
  (also in the ``bl_csrf`` cookie the page's script reads), derived from the session's token,
  so it cannot be guessed without the cookie and needs no storage.
* Logins are limited per client address (a sliding window, per process) before any password is
  checked; the account lockout (``users.auth``) holds across processes.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from fastapi import Request
from sqlalchemy.orm import Session

from bottomline.db import confine, session_scope, write_scope
from bottomline.errors import ConfigError, NotAuthenticated, PermissionDenied
from bottomline.users.actor import Actor
from bottomline.users.auth import check_token, record_use
from bottomline.users.scope import row_range

if TYPE_CHECKING:
    from bottomline.policy.resolve import PolicyIndex

SESSION_COOKIE = "bl_session"
CSRF_COOKIE = "bl_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_for(token: str) -> str:
    return hashlib.sha256(b"bottomline-csrf\0" + token.encode()).hexdigest()[:40]


@contextmanager
def transaction(request: Request, actor: Actor | None) -> Iterator[Session]:
    """The route's transaction: a write transaction for a state-changing method, confined on
    PostgreSQL to the rows of the acting user's region (row-level security, the wall behind
    the access layer; ``None`` only before anyone is logged in: the login itself).

    Opened inside the route's own thread and closed there, never as a FastAPI dependency with
    ``yield``: such a dependency's closing runs in another turn of the thread pool, and under
    load every thread can end up waiting for a connection that only a closing would free."""
    engine = request.app.state.engine
    scope = session_scope if request.method in SAFE_METHODS else write_scope
    with scope(engine) as session:
        if actor is not None:
            confine(session, *row_range(actor))
        yield session


def loaded_policies(request: Request) -> PolicyIndex:
    """The policies the server decides under (routes that decide need them)."""
    policies: PolicyIndex | None = request.app.state.policies
    if policies is None:
        raise ConfigError("服务器没有加载政策文件 / the server loaded no policy files")
    return policies


def presented(request: Request) -> tuple[str | None, bool]:
    """The token a request carries, and whether it came in the session cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip(), False
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else (None, False)


def current_actor(request: Request) -> Actor:
    """The request's user, checked in a short transaction of its own (the route opens its
    own: :func:`transaction`)."""
    engine = request.app.state.engine
    with session_scope(engine) as session:
        actor, due = _authenticated(request, session)
    if due is not None:  # bookkeeping, at most every few minutes: its own write transaction
        with write_scope(engine) as session:
            record_use(session, due)
    return actor


def _authenticated(request: Request, session: Session) -> tuple[Actor, int | None]:
    token, from_cookie = presented(request)
    if token is None:
        raise NotAuthenticated(
            "需要登录 / login required",
            hint="登录后带会话 Cookie，或带 Authorization: Bearer 令牌 / log in and send the "
            "session cookie, or send Authorization: Bearer with a token",
        )
    actor, due = check_token(session, token)
    if from_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), csrf_for(token).encode()):
            raise PermissionDenied(
                "缺少或错误的 CSRF 令牌 / missing or wrong CSRF token",
                hint=f"在请求头 {CSRF_HEADER} 中带上登录时得到的值 / send the value the login "
                f"returned in the {CSRF_HEADER} header",
            )
    return actor, due


class LoginLimiter:
    """At most ``limit`` login attempts per client address in ``window`` seconds."""

    def __init__(self, limit: int = 10, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        with self._lock:
            seen = self._seen.setdefault(client, deque())
            while seen and now - seen[0] > self.window:
                seen.popleft()
            if len(seen) >= self.limit:
                return False
            seen.append(now)
            if len(self._seen) > 10_000:  # forget addresses not seen within the window
                for key in [k for k, v in self._seen.items() if now - v[-1] > self.window]:
                    del self._seen[key]
            return True
