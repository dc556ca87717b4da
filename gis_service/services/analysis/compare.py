"""``GET /analysis/compare``: what changed between two dates, from the recorded history
(edits and seed loads alike): features added, retired and changed, old → new per field,
status transitions, area / length delta in EPSG:4547, and a summary per 街道 and per 片区."""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection, text

from gis_service.db.models import PLAN_MODELS
from gis_service.errors import BadParameter
from gis_service.queries import plan_analysis as sql
from gis_service.queries.progress import as_of_cutoff
from gis_service.services.ogc.params import parse_bbox
from gis_service.services.progress.history import AS_OF_NOTE_EN, AS_OF_NOTE_ZH, check_as_of

# Bookkeeping, not a change a reader asks about.
IGNORED = {"version", "updated_at", "id"}
PARAMS = {"left", "right", "collections", "bbox", "unit", "f"}


def _day(params: dict, name: str) -> dt.date:
    value = params.get(name)
    if not value:
        raise BadParameter(name, "必填，格式 YYYY-MM-DD", "required, YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadParameter(name, f"应为日期 YYYY-MM-DD，收到 {value!r}", f"expected a date YYYY-MM-DD, got {value!r}") from None


def parse(conn: Connection, params: dict) -> dict:
    left, right = _day(params, "left"), _day(params, "right")
    if left > right:
        raise BadParameter("left", f"{left} 晚于 right {right}", f"left {left} is after right {right}")
    check_as_of(conn, left, "left")
    names = [c.strip() for c in (params.get("collections") or "").split(",") if c.strip()] or list(PLAN_MODELS)
    unknown = [c for c in names if c not in PLAN_MODELS]
    if unknown:
        raise BadParameter("collections", f"未知或无历史的图层 {unknown[0]}",
                           f"unknown collection (or one without history) {unknown[0]!r}")
    if params.get("bbox") and params.get("unit"):
        raise BadParameter("unit", "bbox 与 unit 只能给一个", "give bbox or unit, not both")
    area, binds = "", {}
    if params.get("bbox"):
        binds["bbox"] = parse_bbox(params["bbox"])
        area = ("AND ST_Intersects(coalesce(p.r4490, p.l4490), "
                "ST_MakeEnvelope(:bx1, :by1, :bx2, :by2, 4490))")
        binds = dict(zip(("bx1", "by1", "bx2", "by2"), binds["bbox"]))
    elif params.get("unit"):
        if conn.execute(text(sql.UNIT_GEOMETRY_SQL), {"unit": params["unit"]}).first() is None:
            raise BadParameter("unit", f"未知的街道/镇或片区 {params['unit']!r}",
                               f"unknown admin unit or sub-area {params['unit']!r}")
        area = f"AND ST_Intersects(coalesce(p.r4490, p.l4490), ({sql.UNIT_GEOMETRY_SQL}))"
        binds = {"unit": params["unit"]}
    return {"left": left, "right": right, "collections": names, "area": area, "binds": binds}


def _present(values: dict | None) -> bool:
    return bool(values) and not values.get("retired")


def _delta(old, new) -> dict | None:
    if old is None and new is None:
        return None
    old, new = (None if old is None else round(float(old), 2)), (None if new is None else round(float(new), 2))
    return {"old": old, "new": new, "delta": round((new or 0) - (old or 0), 2)}


def _feature(collection: str, row) -> dict | None:
    lv, rv = row.lv or {}, row.rv or {}
    before, after = _present(lv), _present(rv)
    if not before and not after:
        return None
    change = "added" if after and not before else "retired" if before and not after else "changed"
    fields = {k: {"old": lv.get(k), "new": rv.get(k)} for k in sorted(set(lv) | set(rv))
              if k not in IGNORED and k != "retired" and lv.get(k) != rv.get(k)}
    if change == "changed" and not fields and not row.geometry_changed:
        return None  # changed and changed back
    status = fields.get("status")
    polygonal, linear = (row.l_area or row.r_area), (row.l_length or row.r_length)
    return {"collection": collection, "id": row.id, "name": rv.get("name") or lv.get("name"), "change": change,
            "changes": fields, "status_transition": status, "geometry_changed": bool(row.geometry_changed),
            "area_m2": _delta(row.l_area if before else None, row.r_area if after else None) if polygonal else None,
            "length_m": _delta(row.l_length if before else None, row.r_length if after else None) if linear else None,
            "admin_unit": row.admin_unit, "sub_area": row.sub_area,
            "link": f"/collections/{collection}/items/{row.id}",
            "geometry": json.loads(row.geometry) if row.geometry else None}


def _summary(features: list[dict], names: dict, kind: str) -> list[dict]:
    out: dict[str, dict] = {}
    for f in features:
        key = f[kind] or "unlocated"
        group = out.setdefault(key, {"key": key, "name": names.get((kind, key), "未定位 unlocated"),
                                     "added": 0, "retired": 0, "changed": 0})
        group[f["change"]] += 1
    return sorted(out.values(), key=lambda g: g["key"])


def compare(conn: Connection, params: dict) -> dict:
    req = parse(conn, params)
    binds = {"cut_l": as_of_cutoff(req["left"]), "cut_r": as_of_cutoff(req["right"]), **req["binds"]}
    features = []
    for collection in req["collections"]:
        rows = conn.execute(text(sql.compare_sql(collection, req["area"])), {**binds, "state_cid": collection})
        features += [f for f in (_feature(collection, r) for r in rows) if f is not None]
    names = {(r.kind, r.id): r.name for r in conn.execute(text(sql.UNIT_NAMES_SQL))}
    counts = {k: sum(1 for f in features if f["change"] == k) for k in ("added", "retired", "changed")}
    return {"left": req["left"].isoformat(), "right": req["right"].isoformat(),
            "note_zh": AS_OF_NOTE_ZH, "note_en": AS_OF_NOTE_EN, "collections": req["collections"],
            "counts": counts, "features": features,
            "summary": {"admin_unit": _summary(features, names, "admin_unit"),
                        "sub_area": _summary(features, names, "sub_area")}}


def as_rows(result: dict) -> list[dict]:
    rows = []
    for f in result["features"]:
        rows.append({"collection": f["collection"], "id": f["id"], "name": f["name"], "change": f["change"],
                     "fields": "; ".join(f"{k}: {v['old']} → {v['new']}" for k, v in f["changes"].items()
                                         if k != "geometry"),
                     "status_old": (f["status_transition"] or {}).get("old"),
                     "status_new": (f["status_transition"] or {}).get("new"),
                     "geometry_changed": f["geometry_changed"],
                     "area_delta_m2": (f["area_m2"] or {}).get("delta"),
                     "length_delta_m": (f["length_m"] or {}).get("delta"),
                     "admin_unit": f["admin_unit"], "sub_area": f["sub_area"], "link": f["link"]})
    return rows


def as_geojson(result: dict) -> dict:
    return {"type": "FeatureCollection", "left": result["left"], "right": result["right"], "features": [
        {"type": "Feature", "id": f"{f['collection']}/{f['id']}", "geometry": f["geometry"],
         "properties": {k: v for k, v in f.items() if k != "geometry"}} for f in result["features"]]}
