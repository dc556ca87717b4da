"""One place that turns domain errors into HTTP responses (bilingual bodies)."""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError, TimeoutError as PoolTimeout

from gis_service.errors import GisError

RETRY_AFTER_S = "5"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GisError)
    async def gis_error(request: Request, exc: GisError) -> JSONResponse:
        # OGC exception bodies carry "code" and "description"; we add the Chinese text.
        return JSONResponse({**exc.to_dict(), "description": exc.message_en}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # OGC API: a bad query parameter is a 400 naming it; a bad body stays 422.
        errors = exc.errors()
        first = errors[0] if errors else {}
        location = [str(p) for p in first.get("loc", ())]
        where = location[0] if location else "request"
        name = location[-1] if len(location) > 1 else where
        status = 400 if where in ("query", "path", "header") else 422
        body = {"code": "invalid_parameter" if status == 400 else "invalid_body",
                "description": f"invalid {where} parameter {name}: {first.get('msg', '')}",
                "message": f"invalid {where} parameter {name}: {first.get('msg', '')}",
                "message_zh": f"参数 {name} 无效", "detail": {"parameter": name, "location": where}}
        return JSONResponse(body, status_code=status)

    @app.exception_handler(OperationalError)
    async def database_down(request: Request, exc: OperationalError) -> JSONResponse:
        return _unavailable("数据库暂不可用，请稍后重试", "database unavailable, retry shortly")

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
        return _unavailable("服务繁忙，请稍后重试", "service busy: no database connection free")


def _unavailable(zh: str, en: str) -> JSONResponse:
    body = {"code": "service_unavailable", "message": en, "message_zh": zh, "detail": {}}
    return JSONResponse(body, status_code=503, headers={"Retry-After": RETRY_AFTER_S})
