"""POST /collections/{id}/items: a new feature, validated like an import, in one transaction.

The row is marked ``origin = 'editor'`` so a reload of the seed files neither retires nor
overwrites it. Its history starts with a ``create`` event whose old value is
``retired: true``, so time travel to a day before the creation does not show it.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass

import shapely
from sqlalchemy import Connection, Engine, text

from gis_service.auth.principal import Principal
from gis_service.db.post_write import WriteEvent, after_write
from gis_service.errors import GisError, InvalidInput
from gis_service.loader.validate import EDITOR_ID_PREFIX
from gis_service.queries import editing as sql
from gis_service.queries import progress as progress_sql
from gis_service.queries.registry import Collection, get_collection
from gis_service.services.editing.scope import check_creatable
from gis_service.services.editing.values import plan_values, user_geometry, user_values
from gis_service.auth import audit
from gis_service.services.progress.items import current_feature
from gis_service.services.progress.validation import ValidationFailed, parse_geometry

ID_PATTERN = re.compile(rf"^{EDITOR_ID_PREFIX}[A-Za-z0-9._-]{{1,100}}$")


class DuplicateId(GisError):
    code = "duplicate_id"
    status = 409


@dataclass
class NewFeature:
    collection_id: str
    body: object
    content_crs: str | None = None
    method: str = "POST"
    path: str = ""


@dataclass
class Created:
    feature: dict
    version: int
    feature_id: str


def _bad_body(zh: str, en: str, field: str = "body") -> InvalidInput:
    return InvalidInput(zh, en, detail={"fields": {field: {"message_zh": zh, "message": en}}})


def parse_body(body) -> tuple[str | None, dict, object, str | None]:
    """(id or None, properties, geometry, reason) from a GeoJSON Feature."""
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise _bad_body("请求体应为一个 GeoJSON Feature", "the body must be one GeoJSON Feature")
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise _bad_body("properties 应为 JSON 对象", "properties must be a JSON object", "properties")
    props = dict(props)
    fid = body.get("id")
    prop_id = props.pop("id", None)
    if fid is not None and prop_id is not None and str(fid) != str(prop_id):
        raise _bad_body(f"id 不一致：{fid!r} 与 properties.id {prop_id!r}",
                        f"id {fid!r} differs from properties.id {prop_id!r}", "id")
    fid = fid if fid is not None else prop_id
    if fid is not None and not ID_PATTERN.match(str(fid)):
        raise _bad_body(f"要素编号 {fid!r} 无效：新增要素的编号须以 {EDITOR_ID_PREFIX} 开头（省略则自动分配）",
                        f"feature id {fid!r}: ids of created features start with {EDITOR_ID_PREFIX!r} "
                        "and use letters, digits . _ - (omit it to get one assigned)", "id")
    reason = props.pop("reason", None) or body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise _bad_body("reason 应为文字", "reason must be a string", "reason")
    return (None if fid is None else str(fid)), props, body.get("geometry"), reason


def _check_inside(conn: Connection, geometry: str) -> None:
    row = conn.execute(text(sql.INSIDE_DISTRICT), {"geometry": geometry}).one()
    if not row.districts:
        raise GisError("城区边界未加载，无法检查新要素位置", "the 城区 boundary is not loaded; cannot place a new feature",
                       code="boundary_missing", status=409)
    if not row.inside:
        raise ValidationFailed({"geometry": (
            f"几何超出城区范围（容差 {sql.DISTRICT_TOLERANCE_M} 米）",
            f"the geometry lies outside 城区 (tolerance {sql.DISTRICT_TOLERANCE_M} m)")})


def _insert(conn: Connection, c: Collection, fid: str, values: dict, geometry: str) -> int | None:
    if c.kind == "user":
        return conn.execute(text(sql.INSERT_USER_FEATURE), {
            "collection_id": c.id, "fid": fid, "geometry": geometry,
            "properties": json.dumps(values, ensure_ascii=False)}).scalar()
    params = {k: (dt.date.fromisoformat(v) if k == "status_date" and v else v) for k, v in values.items()}
    return conn.execute(text(sql.insert_plan_sql(c.id, ["id", *values])),
                        {**params, "id": fid, "geometry": geometry}).scalar()


def _record(conn: Connection, c: Collection, fid: str, values: dict, geometry: str, principal: Principal,
            new: NewFeature, reason: str | None) -> None:
    new_values = {**values, "retired": False, progress_sql.GEOMETRY_KEY: geometry}
    event = conn.execute(text(progress_sql.INSERT_EVENT), {
        "collection_id": c.id, "feature_id": fid, "actor": principal.name, "action": "create",
        "old_values": json.dumps({"retired": True}), "new_values": json.dumps(new_values, ensure_ascii=False),
        "reason": reason, "unconditional": False, "version": 1}).one()
    audit.record(conn, principal, method=new.method, path=new.path, status=201, action="create",
                 collection_id=c.id, feature_id=fid,
                 detail={"event_id": event.id, "fields": sorted(values), "version": 1, "reason": reason})
    after_write(conn, WriteEvent(c.id, (fid,), "create", principal.name))


def create_feature(engine: Engine, new: NewFeature, principal: Principal) -> Created:
    """Validate everything, then insert, record history and audit, and announce the write."""
    with engine.begin() as conn:
        c = get_collection(conn, new.collection_id)
        check_creatable(c)
        fid, props, geometry, reason = parse_body(new.body)
        if geometry is None:
            raise ValidationFailed({"geometry": ("新增要素需要几何", "a new feature needs a geometry")})
        if c.kind == "user":
            values, geom = user_values(c, props), user_geometry(c, geometry, new.content_crs)
        else:
            values = plan_values(c.id, props, principal)
            geom = parse_geometry(c.id, geometry, new.content_crs)
        geojson = shapely.to_geojson(geom)
        _check_inside(conn, geojson)
        fid = fid or f"{EDITOR_ID_PREFIX}{uuid.uuid4()}"
        if _insert(conn, c, fid, values, geojson) is None:
            raise DuplicateId(f"图层 {c.id} 中已有编号为 {fid} 的要素（含已删除的）",
                              f"collection {c.id} already has a feature with id {fid!r} (retired ones count)",
                              detail={"collection": c.id, "feature": fid})
        _record(conn, c, fid, values, geojson, principal, new, reason)
        feature, version = current_feature(conn, c.id, fid)
    return Created(feature, version, fid)
