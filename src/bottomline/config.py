"""Settings: the only module that reads the environment.

Nothing reads settings at import time; call :func:`get_settings` where a value is needed.
Every setting is documented here and in docs/configuration.md (a test keeps the two in step).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOTTOMLINE_", extra="ignore")

    data_dir: Path = Field(
        default=Path("data"),
        description="Directory for the embedded store, snapshots, feeds and results.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the operational store. Default: a SQLite file "
            "`bottomline.db` inside data_dir. PostgreSQL: postgresql+psycopg://user:pw@host/db"
        ),
    )
    duckdb_threads: int | None = Field(
        default=None,
        description="Threads DuckDB may use for screening and imports (default: all cores).",
    )
    duckdb_memory_limit: str | None = Field(
        default=None,
        description=(
            "DuckDB memory limit, e.g. '8GB' (default: DuckDB's for screening, 2GB for the "
            "end-of-import steps, which spill to disk beyond it)."
        ),
    )

    registry_removal_share: float = Field(
        default=0.05,
        description=(
            "A registry import that would remove more than this share of the stored households "
            "of its counties is refused unless confirmed (a truncated file)."
        ),
    )
    registry_removal_township: int = Field(
        default=10,
        description=(
            "A registry import that would remove every household of a township holding at "
            "least this many is refused unless confirmed (a township's sheet missing)."
        ),
    )

    token: str | None = Field(
        default=None,
        description=(
            "A token the CLI acts with (an API token for a script or a scheduled job); "
            "otherwise the one `bottomline login` saved."
        ),
    )
    token_file: Path | None = Field(
        default=None,
        description=(
            "Where `bottomline login` keeps the CLI's token (default: one file per store under "
            "~/.config/bottomline/, readable by its owner only)."
        ),
    )

    policies_dir: Path = Field(
        default=Path("policies"),
        description="Directory of policy TOML files the API server decides under.",
    )
    behind_tls: bool = Field(
        default=False,
        description=(
            "The API server sits behind a reverse proxy that terminates TLS: session cookies "
            "are marked Secure although requests reach it over plain HTTP."
        ),
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'bottomline.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
