"""The API's routers, in the order the OpenAPI document lists them."""

from __future__ import annotations

from bottomline.api.routes import audit, cases, clues, feeds, households, session

ROUTERS = (
    session.router,
    households.router,
    cases.router,
    clues.router,
    feeds.router,
    audit.router,
)
