"""/maps: Folium pages (overview, progress, zones), their static PNG/PDF images
and the undesignated-land GeoJSON the zones page draws."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from gis_service.api.deps import AppSettings, BaseUrl, Conn
from gis_service.maps.folium_pages import PAGE_LAYERS
from gis_service.maps.params import MAX_DPI, parse_map_params
from gis_service.services.map_pages.data import undesignated_geojson
from gis_service.services.map_pages.html import map_page
from gis_service.services.map_pages.static import static_map

router = APIRouter(tags=["地图 Maps"])
Page = Literal["overview", "progress", "zones"]
MEDIA = {"png": "image/png", "pdf": "application/pdf"}


@router.get("/maps", include_in_schema=False)
def maps_index(base: BaseUrl):
    return RedirectResponse(f"{base}/maps/overview", status_code=307)


@router.get("/maps/zones/undesignated.geojson", summary="未划定主体功能区 / land the plan does not designate",
            response_class=Response, responses={200: {"content": {"application/geo+json": {}}}})
def undesignated(conn: Conn, simplify: Annotated[float, Query(ge=0, le=1000)] = 5.0):
    return JSONResponse(undesignated_geojson(conn, simplify), media_type="application/geo+json")


def _image(page: str, ext: str, request: Request, conn, settings, dpi: int, orientation: str) -> Response:
    params = parse_map_params(dict(request.query_params))
    body = static_map(conn, settings, page, params, fmt=ext, dpi=dpi, orientation=orientation)
    return Response(body, media_type=MEDIA[ext],
                    headers={"Content-Disposition": f'inline; filename="chengqu-{page}.{ext}"'})


@router.get("/maps/{page}.png", summary="静态地图 PNG / static map image",
            response_class=Response, responses={200: {"content": {"image/png": {}}}})
def map_png(page: Page, request: Request, conn: Conn, settings: AppSettings,
            dpi: Annotated[int, Query(ge=50, le=MAX_DPI)] = 150,
            orientation: Literal["portrait", "landscape"] = "landscape"):
    return _image(page, "png", request, conn, settings, dpi, orientation)


@router.get("/maps/{page}.pdf", summary="静态地图 PDF / static map for print",
            response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def map_pdf(page: Page, request: Request, conn: Conn, settings: AppSettings,
            dpi: Annotated[int, Query(ge=50, le=MAX_DPI)] = 150,
            orientation: Literal["portrait", "landscape"] = "landscape"):
    return _image(page, "pdf", request, conn, settings, dpi, orientation)


@router.get("/maps/{page}", summary="地图页面 / map page", response_class=HTMLResponse)
def map_view(page: Page, request: Request, conn: Conn, settings: AppSettings, base: BaseUrl,
             embed: bool = False, layers: str | None = None, bbox: str | None = None,
             center: str | None = None, zoom: int | None = None, basemap: str | None = None,
             as_of: str | None = None, category: str | None = None, zhuanlan: str | None = None,
             by: Literal["admin_units", "sub_areas"] = "admin_units"):
    params = parse_map_params(dict(request.query_params), PAGE_LAYERS[page])
    rendered, not_modified = map_page(conn, settings, page, params, base,
                                      request.headers.get("if-none-match"))
    headers = {"ETag": rendered.etag, "Content-Security-Policy": rendered.csp,
               "Cache-Control": "no-cache"}
    if not_modified:
        return Response(status_code=304, headers=headers)
    return HTMLResponse(rendered.html, headers=headers)

