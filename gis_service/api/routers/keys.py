"""Key administration over HTTP (admins only); the same service as `gis-service keys`."""
from __future__ import annotations

from fastapi import APIRouter, Body, Request

from gis_service.api.deps import AdminDep, Conn
from gis_service.auth.keys import list_keys
from gis_service.services.access.keys import create_key_audited, revoke_key_audited, set_unconditional_audited
from gis_service.errors import InvalidInput

router = APIRouter(tags=["访问控制 Access control"])


@router.get("/keys", summary="API 密钥列表 / API keys", responses={401: {}, 403: {}})
def keys(admin: AdminDep, conn: Conn):
    return {"keys": list_keys(conn)}


@router.post("/keys", summary="创建密钥 / create a key", status_code=201, responses={401: {}, 403: {}, 422: {}})
def new_key(request: Request, admin: AdminDep, conn: Conn,
            body: dict = Body(..., examples=[{"name": "qgis-office", "role": "editor"}])):
    """The key is in this response only; only its hash is stored."""
    return create_key_audited(conn, admin, body, path=request.url.path)


@router.delete("/keys/{ref}", summary="吊销密钥 / revoke a key", responses={401: {}, 403: {}, 404: {}})
def revoke(ref: str, request: Request, admin: AdminDep, conn: Conn):
    return revoke_key_audited(conn, admin, ref, path=request.url.path)


@router.patch("/keys/{ref}", summary="设置无条件写入 / let a key write without If-Match",
              responses={401: {}, 403: {}, 404: {}, 422: {}})
def set_unconditional(ref: str, request: Request, admin: AdminDep, conn: Conn,
                      body: dict = Body(..., examples=[{"unconditional_writes": True}])):
    """For desktop clients (QGIS) that send no If-Match; every such write is marked unconditional."""
    flag = body.get("unconditional_writes") if isinstance(body, dict) else None
    if not isinstance(flag, bool):
        raise InvalidInput("unconditional_writes 应为 true 或 false", "unconditional_writes must be true or false",
                           detail={"field": "unconditional_writes"})
    return set_unconditional_audited(conn, admin, ref, flag, path=request.url.path)
