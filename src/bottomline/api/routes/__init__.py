"""The API's routers, in the order the OpenAPI document lists them."""

from __future__ import annotations

from bottomline.api.routes import cases, feeds, households, session

ROUTERS = (session.router, households.router, cases.router, feeds.router)
