"""/collections/{id}/schema and /sortables (OGC API – Features Part 5)."""
from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from gis_service.api.deps import BaseUrl, Conn
from gis_service.queries.registry import get_collection
from gis_service.services.schemas import SCHEMA_MEDIA_TYPE, schema_document, sortables_document

router = APIRouter(tags=["OGC API – Features"])
SCHEMA_RESPONSES = {200: {"content": {SCHEMA_MEDIA_TYPE: {}}}, 404: {}}


@router.get("/collections/{collectionId}/schema", summary="要素模式 / feature schema", response_class=Response,
            responses=SCHEMA_RESPONSES)
def schema(collectionId: str, conn: Conn, base: BaseUrl):
    return JSONResponse(schema_document(base, get_collection(conn, collectionId)), media_type=SCHEMA_MEDIA_TYPE)


@router.get("/collections/{collectionId}/sortables", summary="可排序属性 / sortables", response_class=Response,
            responses=SCHEMA_RESPONSES)
def sortables(collectionId: str, conn: Conn, base: BaseUrl):
    return JSONResponse(sortables_document(base, get_collection(conn, collectionId)), media_type=SCHEMA_MEDIA_TYPE)
