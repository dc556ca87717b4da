"""Key administration over HTTP (admins only); the same service as `gis-service keys`."""
from __future__ import annotations

from fastapi import APIRouter, Body, Request

from gis_service.api.deps import Conn
from gis_service.auth.keys import create_key, list_keys, revoke_key, set_unconditional_writes
from gis_service.errors import InvalidInput
from gis_service.auth.principal import require
from gis_service.services.progress import audit

router = APIRouter(tags=["访问控制 Access control"])


@router.get("/keys", summary="API 密钥列表 / API keys", responses={401: {}, 403: {}})
def keys(request: Request, conn: Conn):
    require(request.state.principal, "admin")
    return {"keys": list_keys(conn)}


@router.post("/keys", summary="创建密钥 / create a key", status_code=201, responses={401: {}, 403: {}, 422: {}})
def new_key(request: Request, conn: Conn, body: dict = Body(..., examples=[{"name": "qgis-office", "role": "editor"}])):
    """The key is in this response only; only its hash is stored."""
    admin = require(request.state.principal, "admin")
    key, row = create_key(conn, str(body.get("name", "")), str(body.get("role", "viewer")), created_by=admin.name)
    audit.record(conn, admin, method="POST", path=request.url.path, status=201, action="key_create",
                 detail={"name": row["name"], "role": row["role"], "prefix": row["key_prefix"]})
    conn.commit()
    return {**row, "key": key}


@router.delete("/keys/{ref}", summary="吊销密钥 / revoke a key", responses={401: {}, 403: {}, 404: {}})
def revoke(ref: str, request: Request, conn: Conn):
    admin = require(request.state.principal, "admin")
    rows = revoke_key(conn, ref)
    audit.record(conn, admin, method="DELETE", path=request.url.path, status=200, action="key_revoke",
                 detail={"revoked": [r["name"] for r in rows]})
    conn.commit()
    return {"revoked": rows}


@router.patch("/keys/{ref}", summary="设置无条件写入 / let a key write without If-Match",
              responses={401: {}, 403: {}, 404: {}, 422: {}})
def set_unconditional(ref: str, request: Request, conn: Conn,
                      body: dict = Body(..., examples=[{"unconditional_writes": True}])):
    """For desktop clients (QGIS) that send no If-Match; every such write is marked unconditional."""
    admin = require(request.state.principal, "admin")
    flag = body.get("unconditional_writes") if isinstance(body, dict) else None
    if not isinstance(flag, bool):
        raise InvalidInput("unconditional_writes 应为 true 或 false", "unconditional_writes must be true or false",
                           detail={"field": "unconditional_writes"})
    rows = set_unconditional_writes(conn, ref, flag)
    audit.record(conn, admin, method="PATCH", path=request.url.path, status=200, action="key_unconditional",
                 detail={"keys": [r["name"] for r in rows], "unconditional_writes": flag})
    conn.commit()
    return {"keys": rows}
