"""GET /healthz: PostGIS version and per-collection counts, or a quick 503."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, TimeoutError as PoolTimeout

from gis_service.db.engine import set_statement_timeout
from gis_service.queries.health import health_rows

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="服务健康检查 / health check")
def healthz(request: Request):
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            set_statement_timeout(conn, request.app.state.settings.health_statement_timeout_ms)
            postgis, rows = health_rows(conn)
    except (DBAPIError, PoolTimeout) as exc:
        return JSONResponse(
            {"status": "unavailable", "message": "database unreachable",
             "message_zh": "数据库无法连接", "detail": {"error": type(exc).__name__},
             "replica": request.app.state.read_router.status()},
            status_code=503, headers={"Retry-After": "5"})
    return {
        "status": "ok",
        "postgis_version": postgis,
        "replica": request.app.state.read_router.status(),
        "collections": {r.collection_id: {"features": r.feature_count, "data_version": r.data_version}
                        for r in rows},
    }
