"""``/feeds/{feed}/batches``: a department's system pushes a month's rows.

The rows go through the same import as a file (``import feed``): validated row by row, matched
against the registry, every row accepted, rejected or unmatched, committed whole or not at all,
audited (``ingest.import``). The push names its batch with its own key: the same key and the
same rows again answer the batch already imported (200), the same key with other rows is
refused (409), so a system that re-sends after a timeout never imports twice. A department's
token is limited to its own feeds.

Bodies: JSON ``{"rows": [{column: value, …}, …]}`` with the feed's headers (docs/feeds.md: the
Chinese header, an alias or the column's English name), or the same table as Parquet
(``application/vnd.apache.parquet``) or an Arrow IPC stream
(``application/vnd.apache.arrow.stream``).
"""

from __future__ import annotations

from typing import Annotated, Any

import pyarrow as pa
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from bottomline.api.schemas import Key, errors
from bottomline.api.security import current_actor
from bottomline.errors import InputFileError
from bottomline.users.actor import Actor

router = APIRouter(tags=["feeds"])
MAX_BYTES = 256 * 1024 * 1024
MAX_ROWS = 500_000
PARQUET = "application/vnd.apache.parquet"
ARROW = "application/vnd.apache.arrow.stream"
Value = str | int | float | bool | None


class PushIn(BaseModel):
    rows: list[dict[Key, Value]] = Field(max_length=MAX_ROWS)


class ReasonOut(BaseModel):
    code: str
    column: str
    rows: int
    zh: str
    en: str


class PushOut(BaseModel):
    batch_id: int
    feed: str
    period: str
    status: str  # committed, already_imported
    rows_in: int
    accepted: int
    rejected: int
    unmatched: int
    needs_confirmation: int
    reasons: list[ReasonOut]
    ignored_columns: list[str]
    warnings: list[str]


BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": PushIn.model_json_schema()},
            PARQUET: {"schema": {"type": "string", "format": "binary"}},
            ARROW: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _text(value: Value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _table(kind: str, body: bytes) -> pa.Table:
    if kind == "application/json":
        try:
            pushed = PushIn.model_validate_json(body)
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
            ) from None
        columns: dict[str, None] = {}
        for row in pushed.rows:
            columns.update(dict.fromkeys(row))
        return pa.table(
            {c: pa.array([_text(r.get(c)) for r in pushed.rows], pa.string()) for c in columns}
        )
    try:
        if kind == PARQUET:
            import pyarrow.parquet as pq

            return pq.read_table(pa.BufferReader(body))
        if kind == ARROW:
            return pa.ipc.open_stream(body).read_all()
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(
            f"数据不是有效的 {kind} / the body is not valid {kind}",
            hint="按所声明的格式发送表格 / send the table in the declared format",
        ) from exc
    raise InputFileError(
        f"不支持的内容类型 {kind!r} / unsupported content type {kind!r}",
        hint=f"用 application/json、{PARQUET} 或 {ARROW} / use application/json, {PARQUET} or "
        f"{ARROW}",
    )


@router.post(
    "/feeds/{feed}/batches",
    response_model=PushOut,
    status_code=201,
    responses={**errors(400, 401, 403, 409, 413, 422), 200: {"model": PushOut}},
    openapi_extra=BODY,
)
async def push(
    request: Request,
    response: Response,
    feed: Annotated[str, Path(pattern=r"^[a-z_]{2,32}$", description="e.g. medical")],
    period: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="the month, YYYY-MM")],
    batch_key: Annotated[
        str,
        Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$", description="the system's batch id"),
    ],
    actor: Actor = Depends(current_actor),  # noqa: B008
) -> PushOut:
    """报送 / Push one month's rows of a feed (201: imported; 200: this batch key was imported
    already with the same rows; 409: the key was used for other rows)."""
    declared = int(request.headers.get("content-length") or 0)
    if declared > MAX_BYTES:
        return _too_large(response)
    body = await request.body()
    if len(body) > MAX_BYTES:
        return _too_large(response)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    table = _table(kind, body)
    if table.num_rows > MAX_ROWS:
        raise InputFileError(
            f"一次最多报送 {MAX_ROWS:,} 行 / at most {MAX_ROWS:,} rows a push",
            hint="分成几批，每批用自己的批次键 / split it into batches, each with its own key",
        )
    report = await run_in_threadpool(_import, request, table, actor, feed, period, batch_key)
    if report.status == "already_imported":
        response.status_code = 200
    return PushOut(
        batch_id=report.batch_id,
        feed=report.feed,
        period=report.period,
        status=report.status,
        rows_in=report.rows_in,
        accepted=report.accepted,
        rejected=report.rejected,
        unmatched=report.unmatched,
        needs_confirmation=report.needs_confirmation,
        reasons=[
            ReasonOut(code=r.code, column=r.column, rows=r.rows, zh=r.zh, en=r.en)
            for r in report.reasons
        ],
        ignored_columns=report.ignored_columns,
        warnings=report.warnings,
    )


def _import(
    request: Request, table: pa.Table, actor: Actor, feed: str, period: str, batch_key: str
) -> Any:
    from bottomline.ingest.actions import (
        check_importer,
        feed_named,
        import_feed,
        pushed_source,
        registry_members,
    )

    check_importer(actor, feed_named(feed).name)  # before the registry is read
    engine = request.app.state.engine
    data = request.app.state.data_dir
    return import_feed(
        pushed_source(table, batch_key=batch_key),
        engine=engine,
        actor=actor,
        feed=feed,
        period=period,
        members=registry_members(engine),
        feeds_dir=data / "feeds",
        reports_dir=data / "reports",
        batch_key=batch_key,
    )


def _too_large(response: Response) -> Any:
    from fastapi.responses import JSONResponse

    from bottomline.api.errors import http_body

    return JSONResponse(http_body(413), status_code=413)
