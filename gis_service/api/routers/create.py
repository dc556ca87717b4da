"""POST /collections/{id}/items: editors create features (OGC API – Features Part 4)."""
from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from gis_service.api.deps import BaseUrl, EditorDep
from gis_service.api.negotiation import json_body
from gis_service.services.editing.create import NewFeature, create_feature
from gis_service.services.ogc.documents import GEOJSON

router = APIRouter(tags=["编辑 Edits (OGC API – Features Part 4)"])
CREATE_BODY = {"required": True, "content": {GEOJSON: {"schema": {
    "type": "object", "required": ["type", "geometry", "properties"],
    "properties": {"type": {"type": "string", "enum": ["Feature"]},
                   "id": {"type": "string", "pattern": "^u-[A-Za-z0-9._-]{1,100}$"},
                   "geometry": {"type": "object", "description": "GeoJSON geometry, CRS84 unless Content-Crs"},
                   "properties": {"type": "object", "required": ["name"]}}}}, "application/json": {}}}


@router.post("/collections/{collectionId}/items", summary="新增要素 / create a feature", status_code=201,
             response_class=Response, responses={201: {"content": {GEOJSON: {}}}, 400: {}, 401: {}, 403: {},
                                                 404: {}, 405: {}, 409: {}, 413: {}, 422: {}},
             openapi_extra={"requestBody": CREATE_BODY})
async def create_item(principal: EditorDep, collectionId: str, request: Request, base: BaseUrl):
    """A GeoJSON Feature with `name` and a geometry inside 城区. Without an `id` one is assigned
    (`u-<uuid>`). 201 with `Location` and `ETag`; recorded in the history and the audit log."""
    new = NewFeature(collectionId, await json_body(request), request.headers.get("content-crs"),
                     path=request.url.path)
    created = await run_in_threadpool(create_feature, request.app.state.engine, new, principal)
    location = f"{base}/collections/{collectionId}/items/{created.feature_id}"
    created.feature["links"] = [{"href": location, "rel": "self", "type": GEOJSON}]
    return Response(json.dumps(created.feature, ensure_ascii=False), status_code=201, media_type=GEOJSON,
                    headers={"Location": location, "ETag": f'"{created.version}"'})
