"""GET /audit: the append-only log of every write (admins only)."""
from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from gis_service.api.deps import AdminDep, BaseUrl, Conn
from gis_service.auth.audit import list_entries

router = APIRouter(tags=["访问控制 Access control"])


@router.get("/audit", summary="审计日志 / audit log", responses={401: {}, 403: {}})
def audit_log(admin: AdminDep, conn: Conn, base: BaseUrl,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100, actor: str | None = None,
              since: dt.datetime | None = None,
              before_id: Annotated[int | None, Query(ge=1, le=2**63 - 1,
                                             description="page: entries older than this id")] = None):
    """Newest first: who wrote what, when, and the outcome (refused writes included, with their status)."""
    entries = list_entries(conn, limit=limit, actor=actor, since=since, before_id=before_id)
    body = {"entries": entries}
    if len(entries) == limit:
        body["next"] = f"{base}/audit?limit={limit}&before_id={entries[-1]['id']}"
    return body
