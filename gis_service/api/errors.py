"""One place that turns domain errors into HTTP responses (bilingual bodies)."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy.exc import DataError, OperationalError, TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gis_service.api.html import render
from gis_service.api.negotiation import is_browser
from gis_service.errors import BadParameter, GisError, InvalidBody, InvalidInput, error_body, send_error

RETRY_AFTER_S = "5"
# Framework-raised errors (no route, wrong method) in the same bilingual shape as ours.
HTTP_ERRORS = {400: ("invalid_body", "请求体无法解析（应为 UTF-8 JSON）", "the body could not be parsed as UTF-8 JSON"),
               404: ("not_found", "没有该资源", "not found"),
               405: ("method_not_allowed", "不支持该请求方法", "method not allowed")}


class ServiceUnavailable(GisError):
    code = "service_unavailable"
    status = 503


class InvalidText(InvalidInput):
    code = "invalid_text"


DATABASE_DOWN = ServiceUnavailable("数据库暂不可用，请稍后重试", "database unavailable, retry shortly")
POOL_EXHAUSTED = ServiceUnavailable("服务繁忙，请稍后重试", "service busy: no database connection free")


def error_response(error: GisError, headers: dict | None = None,
                   request: Request | None = None) -> JSONResponse | HTMLResponse:
    """JSON for API clients; a small bilingual page for a browser navigating to the URL."""
    if error.status == 503:
        headers = {"Retry-After": RETRY_AFTER_S, **(headers or {})}
    if request is not None and is_browser(request):
        return render(request, "error.html", status_code=error.status, headers=headers, error=error_body(error),
                      status=error.status)
    return JSONResponse(error_body(error), status_code=error.status, headers=headers)


def _validation_error(exc: RequestValidationError) -> GisError:
    """OGC API: a bad query parameter is a 400 naming it; a bad body stays 422."""
    errors = exc.errors()
    first = errors[0] if errors else {}
    location = [str(p) for p in first.get("loc", ())]
    where = location[0] if location else "request"
    name = location[-1] if len(location) > 1 else where
    if where in ("query", "path", "header"):
        return BadParameter(name, "取值不符合接口定义", f"{first.get('msg', '')} (in the {where})",
                            detail={"location": where})
    return InvalidBody(f"请求体 {name} 无效", f"invalid {where} parameter {name}: {first.get('msg', '')}",
                       detail={"parameter": name, "location": where})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GisError)
    async def gis_error(request: Request, exc: GisError) -> JSONResponse:
        return error_response(exc, request=request)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(_validation_error(exc), request=request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, zh, en = HTTP_ERRORS.get(exc.status_code, ("http_error", "请求错误", str(exc.detail)))
        error = GisError(zh, en, code=code, status=exc.status_code, detail={"path": request.url.path})
        return error_response(error, headers=getattr(exc, "headers", None), request=request)

    @app.exception_handler(DataError)
    async def unstorable_text(request: Request, exc: DataError) -> JSONResponse:
        # PostgreSQL text/jsonb cannot hold NUL (psycopg refuses it client-side; jsonb says 22P05),
        # so a NUL anywhere in a body or file is bad input. Any other DataError stays a 500.
        orig = exc.orig
        if "NUL (0x00)" not in str(orig) and getattr(orig, "sqlstate", None) != "22P05":
            raise exc
        return error_response(InvalidText("输入中含有无法保存的 NUL（\\u0000）字符",
                                          "the input contains a NUL (\\u0000) character, which cannot be stored"))

    @app.exception_handler(OperationalError)
    async def database_down(request: Request, exc: OperationalError) -> JSONResponse:
        return error_response(DATABASE_DOWN)

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
        return error_response(POOL_EXHAUSTED)


class DatabaseUnavailableMiddleware:
    """The same 503 + Retry-After when a middleware (key lookup, rate limit) finds no database
    connection: middlewares run outside the route handlers above, so this would be a 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except PoolTimeout:
            if started:
                raise
            await send_error(send, POOL_EXHAUSTED, headers=[(b"retry-after", RETRY_AFTER_S.encode())])
        except OperationalError:
            if started:
                raise
            await send_error(send, DATABASE_DOWN, headers=[(b"retry-after", RETRY_AFTER_S.encode())])
