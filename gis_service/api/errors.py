"""One place that turns domain errors into HTTP responses (bilingual bodies)."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError, TimeoutError as PoolTimeout

from gis_service.errors import GisError

RETRY_AFTER_S = "5"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GisError)
    async def gis_error(request: Request, exc: GisError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status)

    @app.exception_handler(OperationalError)
    async def database_down(request: Request, exc: OperationalError) -> JSONResponse:
        return _unavailable("数据库暂不可用，请稍后重试", "database unavailable, retry shortly")

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
        return _unavailable("服务繁忙，请稍后重试", "service busy: no database connection free")


def _unavailable(zh: str, en: str) -> JSONResponse:
    body = {"code": "service_unavailable", "message": en, "message_zh": zh, "detail": {}}
    return JSONResponse(body, status_code=503, headers={"Retry-After": RETRY_AFTER_S})
