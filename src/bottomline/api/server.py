"""The app for a server process, from the settings: ``uvicorn --factory
bottomline.api.server:from_settings`` (what ``bottomline serve`` runs; docs/api.md)."""

from __future__ import annotations

from fastapi import FastAPI

from bottomline.api.app import create_app
from bottomline.config import get_settings
from bottomline.db import open_store


def from_settings() -> FastAPI:
    """The API over the settings' store (migrated on start)."""
    return create_app(open_store(), behind_tls=get_settings().behind_tls)
