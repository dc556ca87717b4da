"""GET /audit/export: the hash-chained audit and history trail, for an external auditor."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from gis_service.api.deps import AdminDep, BaseUrl, PrimaryConn
from gis_service.auth import chain

router = APIRouter(tags=["访问控制 Access control"])


@router.get("/audit/export", summary="审计链导出 / audit chain export", responses={401: {}, 403: {}})
def audit_export(_admin: AdminDep, request: Request, conn: PrimaryConn, base: BaseUrl,
                 chain_name: Annotated[Literal["audit_log", "progress_events"], Query(alias="chain")] = "audit_log",
                 after: Annotated[int, Query(ge=0, le=2**63 - 1, description="rows after this chain_seq")] = 0,
                 limit: Annotated[int, Query(ge=1, le=10000)] = 1000):
    """Rows in chain order with chain_seq, prev_hash and row_hash, and both chains' head hashes."""
    return chain.export(conn, chain_name, after=after, limit=limit, base=base)
