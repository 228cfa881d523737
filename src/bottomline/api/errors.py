"""One error shape for every answer that is not a success, and the one place domain errors
become HTTP statuses.

    {"error": {"code": "not_found", "status": 404,
               "message": "没有户 … / no household … in your region",
               "zh": "没有户 …", "en": "no household … in your region", "hint": "…",
               "reason": null}}

Domain messages are written "中文 / English"; ``zh`` and ``en`` are the two halves. ``reason``
is the domain error's code for what is missing (``visit_needs_visitor``, a failed guard's name
such as ``objections_resolved``; ``bottomline.errors``), or null: a client may key its own
words on it. A server error says only that it happened (details go to the server's log,
without personal data).
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bottomline.errors import BottomlineError

log = logging.getLogger("bottomline.api")

_HTTP_WORDS = {
    400: ("请求有误", "bad request"),
    401: ("需要登录", "login required"),
    403: ("无权操作", "not allowed"),
    404: ("没有这个地址", "no such path"),
    405: ("不支持这种请求方法", "method not allowed"),
    409: ("记录已被他人修改", "the record was changed by someone else"),
    413: ("请求太大", "request too large"),
    415: ("不支持的内容类型", "unsupported media type"),
    422: ("请求内容不合格", "the request's content is not valid"),
    429: ("请求太频繁，请稍后再试", "too many requests; try again later"),
    500: ("服务器出错，已记录", "server error; it has been logged"),
    503: ("服务器繁忙，请稍后再试", "the server is busy; try again shortly"),
}


def _code(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def body(
    status: int, code: str, message: str, hint: str | None = None, reason: str | None = None
) -> dict[str, Any]:
    zh, _, en = message.partition(" / ")
    return {
        "error": {
            "code": code,
            "status": status,
            "message": message,
            "zh": zh,
            "en": en or zh,
            "hint": hint,
            "reason": reason,
        }
    }


def http_body(status: int) -> dict[str, Any]:
    zh, en = _HTTP_WORDS.get(status, ("请求未完成", "request not completed"))
    return body(status, f"http_{status}", f"{zh} / {en}")


def install(app: FastAPI) -> None:
    """Register the handlers that give every failure the one shape."""

    @app.exception_handler(BottomlineError)
    async def domain(_: Request, exc: BottomlineError) -> JSONResponse:
        status = exc.status_code
        if status >= 500:
            log.error("domain error %s", type(exc).__name__)
        code = _code(type(exc).__name__)
        return JSONResponse(
            body(status, code, exc.message, exc.hint, exc.reason), status_code=status
        )

    @app.exception_handler(PoolTimeout)
    async def busy(_: Request, exc: PoolTimeout) -> JSONResponse:
        log.warning("no free database connection: answered 503")
        return JSONResponse(http_body(503), status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()})
        shown = ", ".join(f for f in fields if f) or "body"
        message = f"这些字段不合格：{shown} / these fields are not valid: {shown}"
        return JSONResponse(body(422, "invalid_request", message), status_code=422)

    @app.exception_handler(HTTPException)
    async def http(_: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(
            http_body(exc.status_code), status_code=exc.status_code, headers=exc.headers
        )

    app.add_middleware(ContainErrors)


class ContainErrors:
    """An unexpected exception becomes a 500 of the one shape, and stops here: the log gets its
    type and where it happened, never its message or traceback (either may hold a person's
    data), and the server above never sees it to print."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1:]
            place = f"{where[0].filename}:{where[0].lineno}" if where else "?"
            log.error("unhandled %s at %s", type(exc).__name__, place)
            if not started:
                response = JSONResponse(http_body(500), status_code=500)
                await response(scope, receive, send)
