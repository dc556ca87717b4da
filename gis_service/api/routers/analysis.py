"""Parcel check (合规性初筛): single parcels and points, stored reports (JSON/HTML/PDF), batch jobs."""
from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from gis_service.api.deps import AppSettings, BaseUrl, Conn, write_in_one_hop
from gis_service.api.html import render
from gis_service.api.negotiation import wants
from gis_service.auth.csrf import check_same_origin
from gis_service.errors import InvalidBody, PayloadTooLarge
from gis_service.services.parcel_check import check_request, get_report, principal_name
from gis_service.services.parcel_check.jobs import job_document, job_lifespan, submit_batch
from gis_service.services.parcel_check.listing import list_reports
from gis_service.services.parcel_check.page import parcel_check_page
from gis_service.services.parcel_check.single import check_point, check_upload
from gis_service.services.parcel_check.results import export_job_results
from gis_service.services.parcel_check.html_report import report_context
from gis_service.services.parcel_check.pdf import report_pdf
from gis_service.services.map_pages.parcel import parcel_map_page

router = APIRouter(tags=["合规性初筛 Parcel check"], lifespan=job_lifespan)

CRS_DOC = ("输入坐标参考系：EPSG 代码或 OGC URI（默认 CRS84），或 gcj02（高德）/ bd09（百度）。"
           "Input CRS: an EPSG code or OGC URI (default CRS84), or gcj02 (Amap) / bd09 (Baidu). "
           "Xi'an 1980 and Beijing 1954 are refused.")
USE_DOC = ("拟建用途 proposed use: residential, commercial, industrial, public, infrastructure, "
           "agricultural, ecological")
USE_COLUMN_DOC = ("批量文件中每行的用途列（默认自动识别 拟用途、拟建用途、proposed_use、用途、地块用途）；"
                  "空值用 proposed_use / the file's per-row use column (detected from the common names when "
                  "not given); a blank value takes proposed_use, an unknown value makes the row an error")
TOLERANCE_DOC = ("点、线要素的拾取半径（米，0–500）；面要素须包含该点 / reach for point and line features in "
                 "metres (0–500); polygons must contain the point")
BODY_DOC = {
    "required": True,
    "description": (
        "GeoJSON Geometry (Polygon/MultiPolygon; a Point asks what is at that location), Feature, "
        "FeatureCollection (up to `GIS_PARCEL_CHECK_MAX_PARCELS`, default 100), or `{\"wkt\": \"POLYGON(...)\"}`. "
        "**Coordinates in the body are always x, y (longitude, latitude, or easting, northing), whatever "
        "the CRS.** 请求体中的坐标一律为 x, y（经度, 纬度 或 东坐标, 北坐标），与 crs 的轴序无关。"
        "Limits: ~100k vertices and 10 MB (413 beyond)."),
    "content": {"application/json": {"schema": {"type": "object"}, "example": {
        "type": "Polygon", "coordinates": [[[112.850, 35.500], [112.852, 35.500], [112.852, 35.5015],
                                            [112.850, 35.5015], [112.850, 35.500]]]}}},
}


def _actor(request: Request) -> str:
    return principal_name(getattr(request.state, "principal", None))


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    too_big = PayloadTooLarge(f"请求体超过 {limit} 字节上限", f"the body exceeds the {limit}-byte limit",
                              detail={"limit_bytes": limit})
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_big
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_big
    return bytes(body)


@router.post("/analysis/parcel-check", summary="地块合规性初筛 / check parcels against the plan",
             openapi_extra={"requestBody": BODY_DOC})
async def parcel_check(request: Request,
                       crs: Annotated[str | None, Query(description=CRS_DOC)] = None,
                       proposed_use: Annotated[str | None, Query(description=USE_DOC)] = None,
                       repair: Annotated[bool, Query(description="ST_MakeValid invalid polygons")] = False):
    # Only the request, path and query: api.hoist dispatches it without FastAPI's dependency solver.
    settings = request.app.state.settings
    # The body first, then a connection: none is held while a slow client uploads.
    body = await _read_limited(request, settings.parcel_check_max_body_bytes)
    result = await write_in_one_hop(request, partial(check_request, body=body, crs=crs, proposed_use=proposed_use,
                                                     repair=repair, settings=settings, actor=_actor(request)))
    return Response(orjson.dumps(result, option=orjson.OPT_SERIALIZE_NUMPY), media_type="application/json")


@router.get("/analysis/parcel-check", summary="合规性初筛页面与历史报告 / the clerk's page (HTML) and past reports "
            "(JSON, search by 宗地编码, date, verdict)",
            responses={200: {"content": {"application/json": {}, "text/html": {}}}})
def parcel_reports(request: Request, conn: Conn, settings: AppSettings, base: BaseUrl,
                   f: Annotated[Literal["json", "html"] | None, Query()] = None,
                   code: Annotated[str | None, Query(description="宗地编码（部分匹配）parcel code, substring")] = None,
                   date_from: Annotated[str | None, Query(description="YYYY-MM-DD（北京时间）")] = None,
                   date_to: Annotated[str | None, Query(description="YYYY-MM-DD（北京时间，含当日）")] = None,
                   verdict: Annotated[str | None, Query(description="compliant, needs_review, non_compliant, "
                                                                    "outside")] = None,
                   limit: Annotated[int, Query(description="1–500")] = 50):
    """A browser gets the clerk's page (合规性初筛): upload or draw a parcel, see the verdict, map and hits,
    search past reports, run a batch. A client gets the past reports, newest first."""
    if wants(request, ("json", "html")) == "html":
        html, csp = parcel_check_page(settings, base)
        return HTMLResponse(html, headers={"Content-Security-Policy": csp, "Cache-Control": "no-cache"})
    return list_reports(conn, base, code=code, date_from=date_from, date_to=date_to, verdict=verdict, limit=limit)


@router.post("/analysis/parcel-check/upload", summary="上传文件初筛（立即返回）/ check the parcels of an uploaded file",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "file": {"type": "string", "format": "binary"}}}}}}})
async def parcel_check_upload(request: Request, conn: Conn, settings: AppSettings,
                              crs: Annotated[str | None, Query(description=CRS_DOC)] = None,
                              proposed_use: Annotated[str | None, Query(description=USE_DOC)] = None,
                              repair: bool = False,
                              filename: Annotated[str | None, Query(
                                  description="file name when the body is the raw file")] = None):
    """The batch formats (界址点 lists included), up to `GIS_PARCEL_CHECK_MAX_PARCELS` parcels, answered at once
    like `POST /analysis/parcel-check`; larger files go to the batch endpoint. A browser may send it only
    from this site's own page (a multipart form needs no CORS preflight, so another site's is refused)."""
    check_same_origin(request)
    name, content = await _upload(request, settings.parcel_check_max_body_bytes, filename)
    return await run_in_threadpool(check_upload, conn, content, name, crs=crs, proposed_use=proposed_use,
                                   repair=repair, settings=settings, actor=_actor(request))


@router.get("/analysis/point", summary="位置查询 / what is at this location")
async def point_query(request: Request, conn: Conn, settings: AppSettings, base: BaseUrl,
                      x: Annotated[float, Query(description="longitude or easting")],
                      y: Annotated[float, Query(description="latitude or northing")],
                      crs: Annotated[str | None, Query(description=CRS_DOC)] = None,
                      tolerance_m: Annotated[float, Query(description=TOLERANCE_DOC)] = 0.0):
    """The zone report at the point, and `collections`: every collection's features there
    (identify), each with its title, feature id, name and link."""
    return await run_in_threadpool(check_point, conn, x, y, crs=crs, settings=settings, actor=_actor(request),
                                   tolerance_m=tolerance_m, base=base)


@router.get("/analysis/parcel-check/{report_id}", summary="检查报告 / a stored report (json, html, pdf)",
            responses={200: {"content": {"application/json": {}, "text/html": {}, "application/pdf": {}}}})
async def parcel_report(report_id: str, request: Request, conn: Conn, settings: AppSettings, base: BaseUrl,
                        f: Annotated[Literal["json", "html", "pdf"] | None, Query()] = None):
    fmt = wants(request, ("json", "html", "pdf"))
    report = await run_in_threadpool(get_report, conn, report_id)
    if fmt == "html":
        return render(request, "parcel_report.html", **report_context(report, base))
    if fmt == "pdf":
        pdf = await report_pdf(request, report_id, settings)
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="parcel-check-{report_id}.pdf"'})
    return JSONResponse(report)


@router.get("/maps/parcel/{report_id}", summary="地块与规划图层地图 / the parcel over the zone layers",
            response_class=HTMLResponse)
def parcel_map(report_id: str, conn: Conn, settings: AppSettings, base: BaseUrl,
               embed: Annotated[bool, Query(description="地图本身（嵌入报告）/ the map alone, for the report")] = False):
    html, csp = parcel_map_page(conn, settings, report_id, base=base, embed=embed)
    return HTMLResponse(html, headers={"Content-Security-Policy": csp, "Cache-Control": "no-cache"})


@router.post("/analysis/parcel-check/batch", status_code=202,
             summary="批量初筛（上传文件）/ batch check of an uploaded file",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "multipart/form-data": {"schema": {"type": "object", "properties": {
                     "file": {"type": "string", "format": "binary"}}}},
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
async def parcel_check_batch(request: Request, conn: Conn, settings: AppSettings, base: BaseUrl,
                             crs: Annotated[str | None, Query(description=CRS_DOC)] = None,
                             proposed_use: Annotated[str | None, Query(description=USE_DOC)] = None,
                             repair: bool = False, layer: str | None = None,
                             use_column: Annotated[str | None, Query(description=USE_COLUMN_DOC)] = None,
                             filename: Annotated[str | None, Query(
                                 description="file name when the body is the raw file")] = None):
    """GeoJSON, GeoPackage, zipped Shapefile (GBK/UTF-8), CSV with WKT, DXF, or a 界址点 coordinate
    list (CSV with parcel id, point number, X northing, Y easting; or the 国土 exchange .txt), with
    `crs` for files that do not declare one. Up to `GIS_PARCEL_BATCH_MAX_BYTES` (50 MB) and
    `GIS_PARCEL_BATCH_MAX_FEATURES` (100,000 parcels). Returns a job; poll `GET /jobs/{id}`."""
    name, content = await _upload(request, settings.parcel_batch_max_bytes, filename)
    document = await run_in_threadpool(
        submit_batch, conn, request.app, content, name, settings=settings, actor=_actor(request),
        options={"crs": crs, "proposed_use": proposed_use, "repair": repair, "layer": layer,
                 "use_column": use_column}, base=base)
    return JSONResponse(document, status_code=202, headers={"Location": f"{base}/jobs/{document['id']}"})


async def _upload(request: Request, limit: int, filename: str | None) -> tuple[str, bytes]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
            raise PayloadTooLarge(f"文件超过 {limit} 字节上限", f"the file exceeds the {limit}-byte limit",
                                  detail={"limit_bytes": limit})
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise InvalidBody("缺少上传文件字段 file", "the multipart body has no file field")
        content = await upload.read(limit + 1)
        await upload.close()
        if len(content) > limit:
            raise PayloadTooLarge(f"文件超过 {limit} 字节上限", f"the file exceeds the {limit}-byte limit",
                                  detail={"limit_bytes": limit})
        return filename or upload.filename or "upload", content
    return filename or "upload", await _read_limited(request, limit)


@router.get("/jobs/{job_id}", summary="批量任务状态 / batch job state")
def job_state(job_id: str, conn: Conn, base: BaseUrl):
    return job_document(conn, job_id, base)


@router.get("/jobs/{job_id}/results", summary="批量结果下载 / batch results",
            responses={200: {"content": {"application/geo+json": {}, "text/csv": {},
                                         "application/geopackage+sqlite3": {}, "application/vnd.openxmlformats-"
                                         "officedocument.spreadsheetml.sheet": {}}}})
def job_results(job_id: str, conn: Conn, base: BaseUrl,
                f: Annotated[Literal["geojson", "json", "csv", "gpkg", "xlsx"], Query()] = "geojson"):
    result = export_job_results(conn, job_id, "geojson" if f == "json" else f, base)
    return FileResponse(result.path, media_type=result.media_type, filename=result.filename,
                        background=BackgroundTask(result.cleanup))
