"""The append-only audit log: every write, who, what, and the outcome."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection, text

from gis_service.auth.principal import Principal
from gis_service.queries import auth as sql


def record(conn: Connection, principal: Principal, *, method: str, path: str, status: int, action: str,
           collection_id: str | None = None, feature_id: str | None = None, detail: dict | None = None) -> None:
    conn.execute(text(sql.INSERT_AUDIT), {
        "actor": principal.name, "role": principal.role, "method": method, "path": path,
        "status": status, "action": action, "collection_id": collection_id, "feature_id": feature_id,
        "detail": json.dumps(detail or {}, ensure_ascii=False, default=str)})


def list_entries(conn: Connection, *, limit: int = 100, actor: str | None = None,
                 since: dt.datetime | None = None, before_id: int | None = None) -> list[dict]:
    rows = conn.execute(text(sql.LIST_AUDIT), {"limit": max(1, min(limit, 1000)), "actor": actor,
                                               "since": since, "before_id": before_id}).mappings()
    return [{**dict(r), "recorded_at": r["recorded_at"].isoformat()} for r in rows]
