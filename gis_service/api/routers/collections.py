"""/collections, /collections/{id} and its queryables."""
from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from gis_service.api.deps import BaseUrl, Conn
from gis_service.api.html import render
from gis_service.api.negotiation import wants
from gis_service.api.ogc_deps import CollectionDep
from gis_service.services.ogc.documents import collection_document_for, collections_document, queryables_document

router = APIRouter(tags=["OGC API – Features"])
# Above this many features the preview map switches from GeoJSON to vector tiles.
TILES_ABOVE = 5000


@router.get("/collections", summary="图层列表 / feature collections")
def collections(request: Request, conn: Conn, base: BaseUrl):
    doc = collections_document(conn, base)
    if wants(request, ("json", "html")) == "html":
        return render(request, "collections.html", doc=doc)
    return doc


@router.get("/collections/{collectionId}", summary="图层描述 / collection metadata")
@router.get("/collections/{collectionId}/", include_in_schema=False)
def collection(c: CollectionDep, request: Request, conn: Conn, base: BaseUrl):
    doc = collection_document_for(conn, base, c)
    if wants(request, ("json", "html")) == "html":
        return render(request, "collection.html", doc=doc, use_tiles=c.feature_count > TILES_ABOVE,
                      breadcrumbs=[(f"{base}/collections?f=html", "图层 Collections")])
    return doc


@router.get("/collections/{collectionId}/queryables", summary="可查询属性 / queryables", response_class=Response,
            responses={200: {"content": {"application/schema+json": {}}}})
def queryables(c: CollectionDep, base: BaseUrl):
    return JSONResponse(queryables_document(base, c), media_type="application/schema+json")
