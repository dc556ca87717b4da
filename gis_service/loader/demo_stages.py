"""Demo stage plans (演示数据): loaded only with ``--demo``, marked ``demo`` on the plan and
``actor = demo`` in the history; the first real stage edit replaces a demo plan whole."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import Engine, text

from gis_service.errors import InvalidFile

DEMO_ACTOR = "demo"
DATES = ("planned_start", "planned_end", "actual_start", "actual_end")
COLLECTIONS = ("projects", "urban_village_sites")


def _plans(path: Path) -> dict[tuple[str, str], dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    plans: dict[tuple[str, str], dict] = {}
    for line, row in enumerate(rows, start=2):
        if row.get("collection") not in COLLECTIONS:
            raise InvalidFile(f"{path.name} 第 {line} 行图层无效", f"{path.name} line {line}: "
                              f"collection {row.get('collection')!r} has no lifecycle", detail={"line": line})
        plan = plans.setdefault((row["collection"], row["id"]),
                                {"stages": {}, "responsible_unit": row.get("responsible_unit") or None,
                                 "documents": [], "note": "演示数据 / demo data — not a real stage plan"})
        plan["stages"][row["stage"]] = {k: (row.get(k) or None) for k in DATES}
    return plans


def load_demo_stages(engine: Engine, path: Path) -> int:
    plans = _plans(path)
    with engine.begin() as conn:
        for (collection, fid), plan in plans.items():
            found = conn.execute(text(f"SELECT 1 FROM {collection} WHERE id = :id"), {"id": fid}).first()
            if found is None:
                raise InvalidFile(f"{path.name}：找不到要素 {fid}", f"{path.name}: no feature {fid!r} in {collection}")
            conn.execute(text(
                "INSERT INTO lifecycle_plans (collection_id, feature_id, stages, responsible_unit, documents, note, demo) "
                "VALUES (:c, :f, CAST(:stages AS jsonb), :unit, '[]'::jsonb, :note, true) "
                "ON CONFLICT (collection_id, feature_id) DO UPDATE SET stages = EXCLUDED.stages, "
                "responsible_unit = EXCLUDED.responsible_unit, note = EXCLUDED.note, demo = true, updated_at = now()"),
                {"c": collection, "f": fid, "stages": json.dumps(plan["stages"]), "unit": plan["responsible_unit"],
                 "note": plan["note"]})
            conn.execute(text(
                "INSERT INTO progress_events (collection_id, feature_id, actor, action, old_values, new_values, "
                "reason, unconditional) VALUES (:c, :f, :actor, 'stage', '{\"lifecycle\": null}'::jsonb, "
                "CAST(:new AS jsonb), :reason, true)"),
                {"c": collection, "f": fid, "actor": DEMO_ACTOR, "new": json.dumps({"lifecycle": plan}, ensure_ascii=False),
                 "reason": f"演示数据 / demo data from {path.name}"})
    return len(plans)
