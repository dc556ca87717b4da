"""Landing page, conformance, the OpenAPI 3.0 document and offline API docs."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gis_service.api.deps import BaseUrl, Conn
from gis_service.api.html import render
from gis_service.api.negotiation import wants
from gis_service.api.openapi import openapi_document
from gis_service.api.docs_page import swagger_ui_html
from gis_service.maps.csp import page_policy
from gis_service.queries.registry import list_collections
from gis_service.services.ogc.documents import OPENAPI_MEDIA_TYPE, conformance, landing_page

router = APIRouter(tags=["OGC API – Features"])

TITLE = "城区规划一张图 / Chengqu planning GIS service"
DESCRIPTION = ("晋城市城区“十三五”规划空间要素的 OGC API – Features 服务 / OGC API – Features "
               "for the spatial elements of 晋城市城区's 13th Five-Year Plan (2016–2020)")


@router.get("/", summary="服务首页 / landing page")
def landing(request: Request, base: BaseUrl):
    doc = landing_page(base, TITLE, DESCRIPTION)
    if wants(request, ("json", "html")) == "html":
        return render(request, "landing.html", doc=doc)
    return doc


@router.get("/conformance", summary="一致性声明 / conformance classes")
def conformance_classes(request: Request):
    doc = conformance()
    if wants(request, ("json", "html")) == "html":
        return render(request, "conformance.html", doc=doc, breadcrumbs=[])
    return doc


@router.get("/api", summary="OpenAPI 3.0 文档 / OpenAPI 3.0 document", include_in_schema=False)
def api_document(request: Request, conn: Conn, base: BaseUrl):
    doc = openapi_document(request.app, list_collections(conn), base)
    return JSONResponse(doc, media_type=OPENAPI_MEDIA_TYPE)


@router.get("/docs", include_in_schema=False)
def api_docs(request: Request, base: BaseUrl):
    page = swagger_ui_html(openapi_url=f"{base}/api", title=TITLE, static_prefix=f"{base}/static")
    # Swagger UI boots from one inline script: allow exactly it, by hash.
    page.headers["Content-Security-Policy"] = page_policy(page.body.decode(), "'self'", [])
    return page
