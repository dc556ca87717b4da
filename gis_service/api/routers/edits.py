"""OGC API – Features Part 4 style edits: PATCH, PUT and (soft) DELETE on progress items,
the item history, and photo attachments."""
from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from gis_service.api.deps import AppSettings, BaseUrl, Conn, EditorDep
from gis_service.api.negotiation import json_body
from gis_service.services.ogc.documents import GEOJSON
from gis_service.services.progress import photos
from gis_service.services.progress.edits import Edit, check_editable
from gis_service.services.progress.items import (
    attach_photo, delete_item, edit_from_body, history_document, write_item,
)
from gis_service.services.progress.vocab import FIELDS
from gis_service.vocab import all_status_codes

router = APIRouter(tags=["编辑 Edits (OGC API – Features Part 4)"])
ITEM = "/collections/{collectionId}/items/{featureId}"
WRITE_RESPONSES = {200: {"content": {GEOJSON: {}}}, 401: {}, 403: {}, 404: {}, 412: {}, 422: {}, 428: {}}
_KIND_SCHEMAS = {"status": {"type": "string", "enum": all_status_codes()},
                 "percent": {"type": "number", "minimum": 0, "maximum": 100},
                 "date": {"type": "string", "format": "date"}, "text": {"type": "string"},
                 "amount": {"type": "number", "minimum": 0}}


def _edit_body() -> dict:
    """The editable properties, as a GeoJSON Feature or a flat object (declared so clients and
    fuzzers can build valid edits)."""
    props = {f.name: {**_KIND_SCHEMAS[f.kind], "nullable": True,
                      **({"maxLength": f.max_length} if f.kind == "text" else {})} for f in FIELDS}
    props["reason"] = {"type": "string", "description": "why: kept in the history"}
    feature = {"type": "object", "required": ["type", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]}, "properties": {"type": "object", "properties": props},
        "geometry": {"type": "object", "nullable": True, "description": "GeoJSON geometry, CRS84 unless Content-Crs"}}}
    return {"required": True, "content": {"application/json": {"schema": {"anyOf": [
        feature, {"type": "object", "properties": props}]}}, GEOJSON: {"schema": feature}}}


EDIT_BODY = _edit_body()


def _feature_response(written, base: str, collection_id: str, feature_id: str, status: int = 200) -> Response:
    feature = written.feature
    feature["links"] = [{"href": f"{base}{ITEM.format(collectionId=collection_id, featureId=feature_id)}",
                         "rel": "self", "type": GEOJSON}]
    headers = {"ETag": f'"{written.version}"'}
    if written.result.unconditional and written.result.changed:
        headers["X-Unconditional-Write"] = "recorded"
    return Response(json.dumps(feature, ensure_ascii=False), status_code=status, media_type=GEOJSON,
                    headers=headers)


def _if_match_required(settings, principal) -> bool:
    """Keys an admin flagged for desktop clients write without If-Match (marked unconditional)."""
    return settings.require_if_match and not principal.unconditional_writes


async def _write(request: Request, principal, settings, base: str, collection_id: str, feature_id: str, *,
                 replace: bool):
    check_editable(collection_id)
    edit = edit_from_body(collection_id, feature_id, await json_body(request), replace=replace)
    edit.if_match, edit.geometry_crs = request.headers.get("if-match"), request.headers.get("content-crs")
    edit.method, edit.path = request.method, request.url.path
    edit.reason = edit.reason or request.headers.get("x-change-reason")
    written = await run_in_threadpool(write_item, request.app.state.engine, edit, principal,
                                      require_if_match=_if_match_required(settings, principal))
    return _feature_response(written, base, collection_id, feature_id)


@router.patch(ITEM, summary="修改要素（部分）/ update part of a feature", response_class=Response,
              responses=WRITE_RESPONSES, openapi_extra={"requestBody": EDIT_BODY})
async def patch_item(collectionId: str, featureId: str, request: Request, principal: EditorDep,
                     settings: AppSettings, base: BaseUrl):
    """Body: a GeoJSON Feature with the properties (and/or geometry) to change, or a flat object of
    properties; optional `reason`. Send `If-Match` with the ETag from GET. Geometry in CRS84
    unless `Content-Crs` says otherwise."""
    return await _write(request, principal, settings, base, collectionId, featureId, replace=False)


@router.put(ITEM, summary="替换要素 / replace a feature", response_class=Response, responses=WRITE_RESPONSES,
            openapi_extra={"requestBody": EDIT_BODY})
async def put_item(collectionId: str, featureId: str, request: Request, principal: EditorDep,
                   settings: AppSettings, base: BaseUrl):
    """The whole feature: editable properties not given return to their defaults (status unknown).
    Read-only properties may be sent back unchanged."""
    return await _write(request, principal, settings, base, collectionId, featureId, replace=True)


@router.delete(ITEM, summary="删除要素（软删除）/ retire a feature", status_code=204,
               responses={401: {}, 403: {}, 404: {}, 412: {}, 428: {}})
def delete(collectionId: str, featureId: str, request: Request, principal: EditorDep, settings: AppSettings):
    """Soft delete: the feature is marked retired and stays in the history."""
    edit = Edit(collectionId, featureId, if_match=request.headers.get("if-match"), method="DELETE",
                path=request.url.path, reason=request.headers.get("x-change-reason"))
    delete_item(request.app.state.engine, edit, principal, require_if_match=_if_match_required(settings, principal))
    return Response(status_code=204)


@router.get(f"{ITEM}/history", summary="要素变更历史 / a feature's change history")
def item_history(collectionId: str, featureId: str, conn: Conn, limit: int = 500):
    """Newest first: who, when, the old and new value of each changed field, and why.
    Geometry changes carry GeoJSON text, so an older geometry can be restored."""
    return history_document(conn, collectionId, featureId, limit)


@router.get(f"{ITEM}/photos", summary="现场照片列表 / photos of a feature")
def list_photos(collectionId: str, featureId: str, conn: Conn, base: BaseUrl):
    check_editable(collectionId)
    return {"photos": photos.list_photos(conn, collectionId, featureId, base)}


@router.post(f"{ITEM}/photos", summary="上传现场照片 / attach a photo", status_code=201)
def upload_photo(collectionId: str, featureId: str, request: Request, principal: EditorDep, conn: Conn,
                 settings: AppSettings, base: BaseUrl, file: Annotated[UploadFile, File(description="JPEG or PNG")],
                 caption: Annotated[str | None, Form()] = None):
    return attach_photo(conn, settings, principal, collectionId, featureId, file, caption,
                        path=request.url.path, base=base)


@router.get("/photos/{photoId}", summary="照片文件 / a photo file", response_class=FileResponse)
def photo_file(photoId: int, conn: Conn, settings: AppSettings):
    path, media_type = photos.photo_path(conn, settings, photoId)
    return FileResponse(path, media_type=media_type,
                        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"})
