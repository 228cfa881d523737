"""``bottomline serve``: the REST API over the store, with uvicorn (docs/api.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from bottomline.cli.ui import console


def register(app: typer.Typer, import_app: typer.Typer) -> None:
    """Add this module's commands to the ``bottomline`` app."""
    app.command("serve")(serve)


def serve(
    host: Annotated[str, typer.Option(help="监听地址 / address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="端口 / port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(min=1, max=64, help="进程数 / worker processes (PostgreSQL for more than 1)."),
    ] = 1,
) -> None:
    """服务 / Serve the REST API over the store (OpenAPI at /api/v1/openapi.json).

    Behind a reverse proxy that terminates TLS, set BOTTOMLINE_BEHIND_TLS=true so session
    cookies are marked Secure."""
    import uvicorn

    from bottomline.config import get_settings
    from bottomline.db import bypasses_row_security, make_engine, open_store
    from bottomline.errors import ConfigError

    settings = get_settings()
    url = settings.resolved_database_url()
    bypassed = False
    if url.startswith("postgresql"):
        probe = make_engine(url)
        try:
            bypassed = bypasses_row_security(probe)
        finally:
            probe.dispose()
    if bypassed:  # checked before the migrations, which would make this role the tables' owner
        raise ConfigError(
            "服务器不能以 PostgreSQL 超级用户或 BYPASSRLS 角色连接：行级安全将不起作用 / the "
            "server must not connect to PostgreSQL as a superuser or a BYPASSRLS role: row-level "
            "security would not hold it",
            hint="建一个普通角色（CREATE ROLE bottomline LOGIN PASSWORD …）并在 "
            "BOTTOMLINE_DATABASE_URL 中使用，见 docs/access.md / create an ordinary role (CREATE "
            "ROLE bottomline LOGIN PASSWORD …) and use it in BOTTOMLINE_DATABASE_URL; see "
            "docs/access.md",
        )
    engine = open_store()  # migrated once here, before any worker starts
    if workers > 1 and engine.dialect.name == "sqlite":
        raise ConfigError(
            "嵌入式库（SQLite）只能由一个进程服务 / the embedded store (SQLite) is served by one "
            "process",
            hint="去掉 --workers，或设置 BOTTOMLINE_DATABASE_URL 使用 PostgreSQL / drop "
            "--workers, or set BOTTOMLINE_DATABASE_URL to use PostgreSQL",
        )
    engine.dispose()
    where = "TLS proxy" if settings.behind_tls else "plain HTTP"
    console.print(
        f"接口服务 / bottomline API on http://{host}:{port}/api/v1 ({where}, {workers} worker(s))"
    )
    uvicorn.run(
        "bottomline.api.server:from_settings",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,  # request lines carry household numbers in paths: not logged
        proxy_headers=settings.behind_tls,
    )
