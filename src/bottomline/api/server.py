"""The app for a server process, from the settings: ``uvicorn --factory
bottomline.api.server:from_settings`` (what ``bottomline serve`` runs; docs/api.md)."""

from __future__ import annotations

from fastapi import FastAPI

from bottomline.api.app import create_app
from bottomline.config import get_settings
from bottomline.db import open_store


def from_settings() -> FastAPI:
    """The API over the settings' store (migrated on start) and policies."""
    from bottomline.policy import load_directory
    from bottomline.policy.resolve import index_documents

    settings = get_settings()
    policies = index_documents(load_directory(settings.policies_dir))
    return create_app(open_store(), policies=policies, behind_tls=settings.behind_tls)
