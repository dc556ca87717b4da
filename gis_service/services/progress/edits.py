"""Edits to progress features: validate, compare-and-set on the version, record history.

Each write runs in the caller's transaction: lock the row, check the If-Match
version, validate, update with ``WHERE version = :expected``, append one history
event with the old and new value of every changed field (geometry as GeoJSON
text, so the old one can be restored), and one audit entry. Concurrent writers
queue on the row lock; all but the first then see a newer version and get 412.
"""
from __future__ import annotations

import datetime as dt
import decimal
import json
from dataclasses import dataclass, field

import shapely
from sqlalchemy import Connection, text

from gis_service.auth.principal import Principal
from gis_service.db.post_write import WriteEvent, after_write
from gis_service.errors import GisError, NotFound
from gis_service.queries import progress as sql
from gis_service.services.progress import audit
from gis_service.services.progress.validation import ValidationFailed, parse_geometry, validate_changes
from gis_service.services.progress.vocab import editable_fields, is_progress_collection

KEEP = object()  # geometry not part of this edit
DEMO_FLAG = "demo_progress"
GEOMETRY_TOLERANCE_DEG = 1e-6  # ~0.1 m: below this a geometry round trip is rounding, not a change


class PreconditionRequired(GisError):
    code = "precondition_required"
    status = 428


class StaleVersion(GisError):
    code = "stale_version"
    status = 412


class NotEditable(GisError):
    code = "not_editable"
    status = 405


@dataclass
class Edit:
    collection_id: str
    feature_id: str
    changes: dict = field(default_factory=dict)   # property name -> raw value
    geometry: object = KEEP                        # KEEP, None (un-locate) or a GeoJSON geometry
    geometry_crs: str | None = None                # Content-Crs of the geometry
    reason: str | None = None
    if_match: str | None = None                    # the raw If-Match header (or form version)
    replace: bool = False                          # PUT: editable fields not given are reset
    read_only_ok: dict | None = None               # current API values clients may send back unchanged
    action: str = "update"
    method: str = "PATCH"
    path: str = ""


@dataclass
class EditResult:
    version: int
    changed: bool
    old_values: dict
    new_values: dict
    unconditional: bool = False
    event_id: int | None = None


def jsonable(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def check_editable(collection_id: str) -> None:
    if not is_progress_collection(collection_id):
        raise NotEditable(f"图层 {collection_id} 只读：只有进展图层可编辑",
                          f"collection {collection_id} is read-only; only progress collections take edits",
                          detail={"collection": collection_id})


def expected_version(if_match: str | None, current: int, require_if_match: bool) -> int | None:
    """The version the writer saw, or None for an unconditional write (when allowed)."""
    value = (if_match or "").strip()
    if not value or value == "*":
        if require_if_match:
            raise PreconditionRequired(
                "需要 If-Match 请求头（要素的 ETag），以免覆盖他人的修改",
                "If-Match with the item's ETag is required so no update is lost", detail={"version": current})
        return None
    tags = [t.strip() for t in value.split(",")]
    for tag in tags:
        bare = tag[2:] if tag.startswith("W/") else tag
        if bare.strip('"').isdigit() and int(bare.strip('"')) == current and not tag.startswith("W/"):
            return current
    raise StaleVersion(f"要素已被修改（当前版本 {current}），请刷新后重试",
                       f"the item changed since you read it (current version {current}); reload and retry",
                       detail={"version": current, "etag": f'"{current}"'})


def _load(conn: Connection, collection_id: str, feature_id: str) -> dict:
    check_editable(collection_id)
    row = conn.execute(text(sql.lock_row_sql(collection_id)), {"fid": feature_id}).mappings().first()
    if row is None or row["retired"]:
        raise NotFound(f"图层 {collection_id} 中没有要素 {feature_id!r}", f"no feature {feature_id!r} in "
                       f"{collection_id}", detail={"collection": collection_id, "feature": feature_id})
    return dict(row)


def _same(old, new) -> bool:
    old, new = jsonable(old), jsonable(new)
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return abs(float(old) - float(new)) < 1e-9
    return old == new


def _geometry_changes(edit: Edit, row: dict, clean: dict) -> str | None | object:
    """New geometry GeoJSON text, None to un-locate, or KEEP; fills quality/basis defaults."""
    if edit.geometry is KEEP:
        return KEEP
    geom = parse_geometry(edit.collection_id, edit.geometry, edit.geometry_crs)
    old = shapely.from_geojson(row["geometry"]) if row["geometry"] else None
    if old is None and geom is None:
        return KEEP
    if old is not None and geom is not None and old.hausdorff_distance(geom) < GEOMETRY_TOLERANCE_DEG:
        return KEEP
    clean.setdefault("location_basis", "user" if geom is not None else "unlocated")
    if geom is not None:
        clean.setdefault("geometry_quality", "approximate")
    return None if geom is None else shapely.to_geojson(geom)


def apply_edit(conn: Connection, edit: Edit, principal: Principal, *, require_if_match: bool,
               today: dt.date | None = None) -> EditResult:
    row = _load(conn, edit.collection_id, edit.feature_id)
    expected = expected_version(edit.if_match, row["version"], require_if_match)
    clean = validate_changes(edit.collection_id, edit.changes, row, today=today, read_only_ok=edit.read_only_ok)
    # The first real report on a demo item replaces every demo value, not just the fields it sets.
    if edit.replace or DEMO_FLAG in (row["properties"] or {}):
        for f in editable_fields(edit.collection_id):
            clean.setdefault(f.name, "unknown" if f.name == "status" else None)
    new_geometry = _geometry_changes(edit, row, clean)
    has_geom = row["geometry"] is not None if new_geometry is KEEP else new_geometry is not None
    if has_geom == (clean.get("location_basis", row["location_basis"]) == "unlocated"):
        raise ValidationFailed({"location_basis": ("无几何时必须为 unlocated，有几何时不能为 unlocated",
                                                   "must be unlocated exactly when there is no geometry")})
    old_values = {k: jsonable(row[k]) for k, v in clean.items() if not _same(row[k], v)}
    new_values = {k: jsonable(clean[k]) for k in old_values}
    if new_geometry is not KEEP:
        old_values[sql.GEOMETRY_KEY], new_values[sql.GEOMETRY_KEY] = row["geometry"], new_geometry
    return _write(conn, edit, principal, row, old_values, new_values, expected)


def soft_delete(conn: Connection, edit: Edit, principal: Principal, *, require_if_match: bool) -> EditResult:
    """DELETE: the feature is retired, never removed; history keeps it restorable."""
    row = _load(conn, edit.collection_id, edit.feature_id)
    expected = expected_version(edit.if_match, row["version"], require_if_match)
    edit.action = "delete"
    return _write(conn, edit, principal, row, {"retired": False}, {"retired": True}, expected)


def _write(conn: Connection, edit: Edit, principal: Principal, row: dict, old_values: dict,
           new_values: dict, expected: int | None) -> EditResult:
    unconditional = expected is None
    if not old_values:
        return EditResult(row["version"], False, {}, {}, unconditional)
    properties = dict(row["properties"] or {})
    if properties.pop(DEMO_FLAG, None) is not None:  # a real report replaces demo values
        old_values["properties"], new_values["properties"] = row["properties"], properties
    columns = [k for k in new_values if k not in (sql.GEOMETRY_KEY, "properties")]
    params = {k: _sql_value(k, new_values[k]) for k in columns}
    params.update(fid=edit.feature_id, expected=row["version"], properties=json.dumps(properties, ensure_ascii=False),
                  geometry=new_values.get(sql.GEOMETRY_KEY))
    update = sql.update_row_sql(edit.collection_id, columns, geometry=sql.GEOMETRY_KEY in new_values)
    version = conn.execute(text(update), params).scalar()
    if version is None:  # cannot happen under the row lock; kept as the SQL-level guarantee
        raise StaleVersion("要素已被修改，请刷新后重试", "the item changed; reload and retry")
    event = conn.execute(text(sql.INSERT_EVENT), {
        "collection_id": edit.collection_id, "feature_id": edit.feature_id, "actor": principal.name,
        "action": edit.action, "old_values": json.dumps(old_values, ensure_ascii=False),
        "new_values": json.dumps(new_values, ensure_ascii=False), "reason": edit.reason,
        "unconditional": unconditional, "version": version}).one()
    audit.record(conn, principal, method=edit.method, path=edit.path, status=200, action=edit.action,
                 collection_id=edit.collection_id, feature_id=edit.feature_id,
                 detail={"event_id": event.id, "fields": sorted(new_values), "version": version,
                         "unconditional": unconditional, "reason": edit.reason})
    after_write(conn, WriteEvent(edit.collection_id, (edit.feature_id,), edit.action, principal.name))
    return EditResult(version, True, old_values, new_values, unconditional, event.id)


def _sql_value(name: str, value):
    return dt.date.fromisoformat(value) if name == "status_date" and value else value


def history(conn: Connection, collection_id: str, feature_id: str, limit: int = 500) -> list[dict]:
    rows = conn.execute(text(sql.HISTORY), {"collection_id": collection_id, "feature_id": feature_id,
                                            "limit": limit}).mappings()
    return [{**dict(r), "recorded_at": r["recorded_at"].isoformat(),
             "demo": r["actor"] == "demo"} for r in rows]
