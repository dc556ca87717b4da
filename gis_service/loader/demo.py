"""Demo progress (演示数据): loaded only on request, and marked wherever it lands.

Each demo value is written with actor ``demo`` in the history and the item
gets ``properties.demo_progress = true`` so every API response and map can say so.
"""
from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Engine, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB

from gis_service.db import post_write
from gis_service.db.models import PROGRESS_COLLECTIONS
from gis_service.errors import InvalidFile
from gis_service.vocab import DEMO_LABEL

DEMO_ACTOR = "demo"


def load_demo_progress(engine: Engine, path: Path) -> int:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    count, changed = 0, {}
    with engine.begin() as conn:
        for line, row in enumerate(rows, start=2):
            table = row.get("collection")
            if table not in PROGRESS_COLLECTIONS:
                raise InvalidFile(f"{path.name} 第 {line} 行图层无效", f"{path.name} line {line}: "
                                  f"collection {table!r} has no progress", detail={"line": line})
            old = conn.execute(text(
                f"SELECT status, percent_complete, status_date::text, progress_note FROM {table} "
                f"WHERE id = :id FOR UPDATE"), {"id": row["id"]}).mappings().first()
            if old is None:
                raise InvalidFile(f"{path.name} 第 {line} 行找不到要素", f"{path.name} line {line}: "
                                  f"no feature {row['id']!r} in {table}", detail={"line": line})
            new = {"status": row["status"], "percent_complete": row.get("percent_complete") or None,
                   "status_date": row.get("status_date") or None,
                   "progress_note": row.get("note") or DEMO_LABEL}
            conn.execute(text(
                f"UPDATE {table} SET status = :status, percent_complete = :percent_complete, "
                f"status_date = :status_date, progress_note = :progress_note, version = version + 1, "
                f"properties = properties || '{{\"demo_progress\": true}}'::jsonb, updated_at = now() "
                f"WHERE id = :id"), {**new, "id": row["id"]})
            conn.execute(text(
                "INSERT INTO progress_events (collection_id, feature_id, actor, action, old_values, "
                "new_values, reason, unconditional) VALUES (:c, :f, :actor, 'update', :old, :new, "
                ":reason, true)").bindparams(bindparam("old", type_=JSONB), bindparam("new", type_=JSONB)),
                {"c": table, "f": row["id"], "actor": DEMO_ACTOR, "old": dict(old), "new": new,
                 "reason": f"{DEMO_LABEL} from {path.name}"})
            changed.setdefault(table, []).append(row["id"])
            count += 1
        for table, ids in changed.items():
            post_write.after_write(conn, post_write.WriteEvent(table, tuple(ids), "load", DEMO_ACTOR))
    return count
