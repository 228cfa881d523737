"""Browser sessions over the API: the cookie's flags, CSRF on state-changing requests, a new
session on every login (no fixation), the account lockout and the per-address login limit, one
error shape, and no password or token in any log line."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from bottomline.api.app import create_app
from bottomline.audit import AuditEntry
from bottomline.db import session_scope, write_scope
from bottomline.users.actions import add_user
from bottomline.users.actor import SYSTEM
from bottomline.users.enums import Role

PASSWORD = "session-secret-77"


@pytest.fixture
def client(engine: Engine) -> TestClient:
    with write_scope(engine) as session:
        add_user(
            session,
            username="county.li",
            display_name="李",
            role=Role.county,
            region_code="532328000000",
            acting=SYSTEM,
            password=PASSWORD,
        )
    return TestClient(create_app(engine), raise_server_exceptions=False)


def _login(client: TestClient, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/session", json={"username": "county.li", "password": password})


def test_a_login_sets_an_httponly_strict_cookie_and_returns_the_csrf_token(
    client: TestClient,
) -> None:
    response = _login(client)
    assert response.status_code == 200, response.text
    cookie = next(h for h in response.headers.get_list("set-cookie") if "bl_session=" in h)
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Secure" not in cookie  # plain HTTP, not behind TLS
    body = response.json()
    assert body["username"] == "county.li"
    assert len(body["csrf_token"]) == 40
    assert client.get("/api/v1/me").json()["username"] == "county.li"


def test_behind_tls_the_cookie_is_secure(engine: Engine, client: TestClient) -> None:
    secure = TestClient(create_app(engine, behind_tls=True))
    response = _login(secure)
    cookie = next(h for h in response.headers.get_list("set-cookie") if "bl_session=" in h)
    assert "Secure" in cookie


def test_a_state_changing_request_needs_the_csrf_token(client: TestClient) -> None:
    csrf = _login(client).json()["csrf_token"]
    refused = client.delete("/api/v1/session")
    assert refused.status_code == 403
    assert refused.json()["error"]["en"] == "missing or wrong CSRF token"
    wrong = client.delete("/api/v1/session", headers={"X-CSRF-Token": "0" * 40})
    assert wrong.status_code == 403
    odd = client.delete("/api/v1/session", headers={"X-CSRF-Token": "é".encode("latin-1")})
    assert odd.status_code == 403  # not a crash
    assert client.get("/api/v1/me").status_code == 200  # the session is untouched
    done = client.delete("/api/v1/session", headers={"X-CSRF-Token": csrf})
    assert done.status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_a_bearer_token_needs_no_csrf_token(client: TestClient) -> None:
    token = _login(client).cookies["bl_session"]
    bare = TestClient(client.app)
    response = bare.delete("/api/v1/session", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 204
    assert bare.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_every_login_is_a_new_session_and_the_old_one_ends(client: TestClient) -> None:
    planted = _login(client).cookies["bl_session"]  # say, fixed in the victim's browser earlier
    client.cookies.set("bl_session", planted)
    fresh = _login(client).cookies["bl_session"]
    assert fresh != planted
    other = TestClient(client.app)
    assert (
        other.get("/api/v1/me", headers={"Authorization": f"Bearer {planted}"}).status_code == 401
    )
    assert other.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_five_wrong_passwords_lock_the_account(client: TestClient) -> None:
    answers = [_login(client, "guess-guess-1") for _ in range(5)]
    assert {a.status_code for a in answers} == {401}
    assert len({a.text for a in answers}) == 1  # the same words every time
    locked = _login(client)
    assert locked.status_code == 401
    assert locked.text == answers[0].text  # a locked account says nothing more


def test_logins_from_one_address_are_limited(client: TestClient) -> None:
    statuses = [
        client.post("/api/v1/session", json={"username": f"u{i}", "password": "x"}).status_code
        for i in range(12)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    limited = client.post("/api/v1/session", json={"username": "county.li", "password": PASSWORD})
    assert limited.status_code == 429  # even the right password waits
    assert limited.headers["retry-after"] == "60"
    assert limited.json()["error"]["code"] == "http_429"


def test_failures_share_one_shape(client: TestClient) -> None:
    for response, status in (
        (client.get("/api/v1/no-such-route"), 404),
        (client.post("/api/v1/session", json={"username": ""}), 422),
        (client.get("/api/v1/cases"), 401),
    ):
        assert response.status_code == status
        error = response.json()["error"]
        assert set(error) == {"code", "status", "message", "zh", "en", "hint", "reason"}
        assert error["status"] == status
        assert error["zh"]
        assert error["en"]


def test_no_password_or_token_reaches_a_log_or_the_audit_log(
    engine: Engine, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _login(client, "wrong-password-99")
    token = _login(client).cookies["bl_session"]
    client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    client.get("/api/v1/households/53232899999999999")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (PASSWORD, "wrong-password-99", token):
        assert secret not in logged
    with session_scope(engine) as session:
        rows = session.scalars(select(AuditEntry)).all()
        audit_text = json.dumps([(r.action, r.after) for r in rows], default=str)
    assert {r.action for r in rows} >= {"user.login", "user.login_failed"}
    for secret in (PASSWORD, "wrong-password-99", token):
        assert secret not in audit_text


def test_a_crash_is_a_500_of_the_one_shape_and_its_message_is_not_logged(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(engine)

    def boom() -> None:
        raise RuntimeError("lookup failed for 110101199003077777")

    app.add_api_route("/api/v1/boom", boom)
    caplog.set_level(logging.DEBUG)
    response = TestClient(app).get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "http_500"
    assert "110101199003077777" not in response.text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "unhandled RuntimeError" in logged
    assert "110101199003077777" not in logged


def test_the_login_limiter_forgets_addresses_it_has_not_seen_for_a_window() -> None:
    from bottomline.api.security import LoginLimiter

    limiter = LoginLimiter(limit=1, window=0.0)
    for i in range(10_002):
        assert limiter.allow(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._seen) < 10_002  # idle addresses were dropped, not kept forever
