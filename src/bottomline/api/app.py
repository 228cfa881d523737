"""The application: ``create_app(engine)`` for a store; ``bottomline serve`` runs it.

Every route reads through the domain's access functions with the request's acting user
(:func:`~bottomline.api.security.current_actor`), so an id outside the user's region answers
exactly like an id that does not exist; every failure has the one shape of
:mod:`bottomline.api.errors`. docs/api.md lists the routes.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine

from bottomline.api import errors, routes
from bottomline.api.security import LoginLimiter
from bottomline.config import get_settings
from bottomline.policy.resolve import PolicyIndex

API_PREFIX = "/api/v1"


def create_app(
    engine: Engine,
    *,
    policies: PolicyIndex | None = None,
    data_dir: Path | None = None,
    behind_tls: bool = False,
) -> FastAPI:
    """The API over ``engine``, deciding under ``policies`` (routes that need them answer
    that none were loaded when None). ``behind_tls``: the server sits behind a TLS proxy, so
    the session cookie is marked Secure even though the request reaches it over plain HTTP.
    ``data_dir``: where pushed department batches are kept (default: the settings')."""
    app = FastAPI(
        title="bottomline",
        summary="防返贫动态监测和帮扶 / dynamic monitoring and assistance against a return to poverty",
        version="1",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # the Swagger page loads its script from a CDN: none at run time
        redoc_url=None,
    )
    app.state.engine = engine
    app.state.policies = policies
    app.state.data_dir = data_dir or get_settings().data_dir
    app.state.behind_tls = behind_tls
    app.state.login_limiter = LoginLimiter()
    errors.install(app)
    for router in routes.ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    return app
