"""Item writes as the API sees them: one transaction, the feature as it now is, its ETag."""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from gis_service.auth.principal import Principal
from gis_service.errors import InvalidInput, NotFound
from gis_service.queries.registry import get_collection
from gis_service.queries.features import ItemsQuery
from gis_service.services.ogc.items import fetch_feature
from gis_service.services.progress import photos
from gis_service.services.progress.edits import (
    KEEP, Edit, EditResult, apply_edit, check_editable, history, soft_delete,
)


@dataclass
class Written:
    feature: dict | None
    version: int
    result: EditResult


def current_feature(conn: Connection, collection_id: str, feature_id: str) -> tuple[dict, int]:
    c = get_collection(conn, collection_id)
    found = fetch_feature(conn, ItemsQuery(collection=c, feature_id=feature_id, limit=1))
    if found is None:
        raise NotFound(f"图层 {collection_id} 中没有要素 {feature_id!r}",
                       f"no feature {feature_id!r} in {collection_id}",
                       detail={"collection": collection_id, "feature": feature_id})
    text_, version = found
    return json.loads(text_), version


def edit_from_body(collection_id: str, feature_id: str, body, *, replace: bool) -> Edit:
    """A GeoJSON Feature (properties + geometry) or a flat object of properties."""
    if not isinstance(body, dict):
        raise InvalidInput("请求体应为 JSON 对象（GeoJSON Feature 或属性对象）",
                           "body must be a JSON object: a GeoJSON Feature or an object of properties",
                           detail={"fields": {"body": {"message": "not an object", "message_zh": "不是对象"}}})
    body = dict(body)
    reason = body.pop("reason", None)
    if "properties" in body or body.get("type") == "Feature":
        if not isinstance(body.get("properties") or {}, dict):
            raise InvalidInput("properties 应为 JSON 对象", "properties must be a JSON object",
                               detail={"fields": {"properties": {"message": "not an object",
                                                                 "message_zh": "不是对象"}}})
        changes = dict(body.get("properties") or {})
        geometry = body["geometry"] if "geometry" in body else KEEP
    else:
        geometry = body.pop("geometry", KEEP)
        changes = body
    reason = changes.pop("reason", None) or reason
    if reason is not None and not isinstance(reason, str):
        raise InvalidInput("reason 应为文字", "reason must be a string",
                           detail={"fields": {"reason": {"message": "not a string", "message_zh": "不是文字"}}})
    return Edit(collection_id, feature_id, changes=changes, geometry=geometry, reason=reason, replace=replace)


def write_item(engine: Engine, edit: Edit, principal: Principal, *, require_if_match: bool) -> Written:
    check_editable(edit.collection_id)
    with engine.begin() as conn:
        before, _ = current_feature(conn, edit.collection_id, edit.feature_id)
        # Clients may send back read-only properties exactly as they got them (GET → PUT).
        edit.read_only_ok = {**before["properties"], "id": edit.feature_id}
        result = apply_edit(conn, edit, principal, require_if_match=require_if_match)
        feature, version = current_feature(conn, edit.collection_id, edit.feature_id)
    return Written(feature, version, result)


def delete_item(engine: Engine, edit: Edit, principal: Principal, *, require_if_match: bool) -> Written:
    with engine.begin() as conn:
        result = soft_delete(conn, edit, principal, require_if_match=require_if_match)
    return Written(None, result.version, result)


def write_form(engine: Engine, settings, edit: Edit, principal: Principal, photo=None, caption: str = "") -> None:
    """The editors' form: the edit (If-Match required: the form carries its version), then its photo."""
    with engine.begin() as conn:
        apply_edit(conn, edit, principal, require_if_match=True)
    if photo is not None:
        photos.save_photo(engine, settings, principal, edit.collection_id, edit.feature_id, photo.file,
                          photo.filename, caption, method="POST", path=edit.path)


def attach_photo(conn: Connection, settings, principal: Principal, collection_id: str, feature_id: str,
                 upload, caption: str | None, *, path: str, base: str) -> dict:
    """A photo for an existing feature, described as the API returns it."""
    current_feature(conn, collection_id, feature_id)
    conn.rollback()  # the photo is written in its own transaction
    photo = photos.save_photo(conn.engine, settings, principal, collection_id, feature_id, upload.file,
                              upload.filename, caption, method="POST", path=path)
    return photos.describe(photo, base)


def history_document(conn: Connection, collection_id: str, feature_id: str, limit: int) -> dict:
    """A feature's change events, newest first (at most 5,000), flagged where they are demo data."""
    check_editable(collection_id)
    events = history(conn, collection_id, feature_id, limit=max(1, min(limit, 5000)))
    body = {"collection": collection_id, "feature": feature_id, "events": events}
    if any(e["demo"] for e in events):
        body["notice"] = "含演示数据（actor=demo），非真实进展 / includes demo data, not real progress"
    return body
