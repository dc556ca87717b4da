"""Read the conflict register: open conflicts, their history, and the plan's own inconsistencies."""
from __future__ import annotations

import json

from sqlalchemy import Connection, text

from gis_service.errors import InvalidInput
from gis_service.queries.plan_analysis_conflicts import LIST_SQL
from gis_service.queries.progress import REVIEW_TIMEZONE

STATES = ("open", "closed", "all")
SEVERITIES = ("conflict", "review")
COLUMNS = ("id", "severity", "rule", "hit_type", "subject_collection", "subject_id", "subject_name",
           "object_collection", "object_id", "object_name", "proposed_use", "overlap_m2", "share",
           "length_m", "distance_m", "inconsistency", "basis", "rule_zh", "subject_plan_ref", "caveat_zh",
           "first_seen", "last_seen", "closed_at", "link")


def _bad(parameter: str, value: str, allowed) -> InvalidInput:
    return InvalidInput(f"参数 {parameter} 无效：{value!r}，可选 {', '.join(allowed)}",
                        f"invalid parameter {parameter}: {value!r}; use one of {', '.join(allowed)}",
                        detail={"parameter": parameter, "allowed": list(allowed)},
                        code="invalid_parameter", status=400)


def _local(value):
    return None if value is None else value.astimezone(REVIEW_TIMEZONE).isoformat(timespec="seconds")


def _item(row) -> dict:
    detail = row["detail"] or {}
    return {**{k: row[k] for k in ("id", "severity", "rule", "hit_type", "subject_collection", "subject_id",
                                   "subject_name", "object_collection", "object_id", "object_name",
                                   "proposed_use", "overlap_m2", "share", "length_m", "distance_m",
                                   "inconsistency")},
            "basis": detail.get("basis"), "rule_zh": detail.get("rule_zh"), "rule_en": detail.get("rule_en"),
            "severity_zh": detail.get("severity_zh"), "potential": detail.get("potential"),
            "subject_plan_ref": detail.get("subject_plan_ref"), "caveat_zh": detail.get("caveat_zh"),
            "caveat_en": detail.get("caveat_en"), "inconsistency_zh": detail.get("inconsistency_zh"),
            "inconsistency_en": detail.get("inconsistency_en"),
            "first_seen": _local(row["first_seen"]), "last_seen": _local(row["last_seen"]),
            "closed_at": _local(row["closed_at"]), "status": "closed" if row["closed_at"] else "open",
            "link": f"/collections/{row['subject_collection']}/items/{row['subject_id']}",
            "geometry": json.loads(row["geometry"]) if row["geometry"] else None}


def list_conflicts(conn: Connection, state: str = "open", severity: str | None = None,
                   collection: str | None = None, subject: str | None = None) -> dict:
    if state not in STATES:
        raise _bad("state", state, STATES)
    if severity is not None and severity not in SEVERITIES:
        raise _bad("severity", severity, SEVERITIES)
    where, params = ["true"], {}
    if state != "all":
        where.append("closed_at IS NULL" if state == "open" else "closed_at IS NOT NULL")
    if severity:
        where.append("severity = :severity")
        params["severity"] = severity
    if collection:
        where.append("subject_collection = :collection")
        params["collection"] = collection
    if subject:
        where.append("subject_id = :subject")
        params["subject"] = subject
    rows = conn.execute(text(LIST_SQL.format(where=" AND ".join(where))), params).mappings().all()
    items = [_item(r) for r in rows]
    return {"state": state, "count": len(items),
            "counts": {s: sum(1 for i in items if i["severity"] == s) for s in SEVERITIES},
            "conflicts": items,
            "inconsistencies": [{"id": i["id"], "text_zh": i["inconsistency_zh"], "text_en": i["inconsistency_en"],
                                 "link": i["link"]} for i in items if i["inconsistency"] and i["status"] == "open"],
            "note_zh": "依据规划初筛规则（主体功能区、水库与河道缓冲、森林公园）逐要素检查；缓冲区命中为潜在冲突。",
            "note_en": "Screening rules of the parcel check applied to every plan feature; buffer hits are potential."}


def as_rows(result: dict) -> list[dict]:
    return [{k: i.get(k) for k in COLUMNS} for i in result["conflicts"]]


def as_geojson(result: dict) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": i["id"], "geometry": i["geometry"],
         "properties": {k: v for k, v in i.items() if k != "geometry"}} for i in result["conflicts"]]}
