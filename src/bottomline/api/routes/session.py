"""``/session`` and ``/me``: log in (a browser session), log out, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from bottomline.api.schemas import Label, LoginIn, Me, SessionOut, errors
from bottomline.api.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    csrf_for,
    current_actor,
    presented,
    transaction,
)
from bottomline.db import write_scope
from bottomline.users.actor import Actor
from bottomline.users.auth import LIFETIMES, TokenKind, attempt_login, logout, refused

router = APIRouter(tags=["session"])
ERRORS = errors(401, 403, 422, 429)


def _me(actor: Actor) -> Me:
    feeds = None if actor.feeds is None else sorted(actor.feeds)
    return Me(
        username=actor.name, role=Label.of(actor.role), region_code=actor.region_code, feeds=feeds
    )


@router.post("/session", response_model=SessionOut, responses=ERRORS)
def login(body: LoginIn, request: Request, response: Response) -> SessionOut:
    """登录 / Log in: a session cookie (HttpOnly) and the CSRF token for state-changing requests.

    Five wrong passwords in a row lock the account for 15 minutes; more than 10 attempts a
    minute from one address are refused (429) before any password is checked."""
    client = request.client.host if request.client else "unknown"
    if not request.app.state.login_limiter.allow(client):
        raise HTTPException(status_code=429, headers={"Retry-After": "60"})
    earlier, from_cookie = presented(request)
    with write_scope(request.app.state.engine) as session:
        if earlier is not None and from_cookie:  # a session from before is never carried on
            logout(session, token=earlier)
        issued = attempt_login(
            session, username=body.username, password=body.password, kind=TokenKind.session
        )
    if issued is None:  # the failure is committed (the lockout counts it), then refused
        raise refused()
    secure = request.url.scheme == "https" or bool(request.app.state.behind_tls)
    age = int(LIFETIMES[TokenKind.session].total_seconds())
    csrf = csrf_for(issued.token)
    response.set_cookie(
        SESSION_COOKIE, issued.token, max_age=age, httponly=True, secure=secure, samesite="strict"
    )
    response.set_cookie(CSRF_COOKIE, csrf, max_age=age, secure=secure, samesite="strict")
    me = _me(issued.actor)
    return SessionOut(**me.model_dump(), csrf_token=csrf, expires_at=issued.expires_at)


@router.delete("/session", status_code=204, responses=ERRORS)
def logout_route(
    request: Request,
    response: Response,
    actor: Actor = Depends(current_actor),  # noqa: B008
) -> Response:
    """退出登录 / Log out: the session's token is revoked."""
    with transaction(request, actor) as session:
        token, _ = presented(request)
        if token is not None:
            logout(session, token=token)
        response.status_code = 204
        response.delete_cookie(SESSION_COOKIE)
        response.delete_cookie(CSRF_COOKIE)
        return response


@router.get("/me", response_model=Me, responses=ERRORS)
def me(actor: Actor = Depends(current_actor)) -> Me:  # noqa: B008
    """当前用户 / Who the request acts as."""
    return _me(actor)
