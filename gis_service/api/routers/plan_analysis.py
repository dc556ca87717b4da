"""Plan-wide analyses: the conflict register, compare two dates, overlay statistics, site search."""
from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from gis_service.api.deps import BaseUrl, Conn
from gis_service.api.html import render
from gis_service.services.analysis import api as analysis, pages

router = APIRouter(tags=["规划分析 Plan analysis"])


def _answer(request: Request, result, template: str | None = None):
    if isinstance(result, analysis.FileAnswer):
        return Response(result.content, media_type=result.media_type,
                        headers={"Content-Disposition": f'attachment; filename="{result.filename}"'})
    if isinstance(result, analysis.HtmlAnswer):
        return render(request, result.template, result=result.context)
    return result


@router.get("/analysis/conflicts", summary="冲突检测 / plan-wide conflict register")
def conflicts(request: Request, conn: Conn):
    """Open (``state=open``), closed or all conflicts of plan features with 禁止/限制开发区, water,
    reservoirs and forest parks, decided by the parcel check's rule table. ``f``: json, geojson,
    csv, xlsx, html. Filters: ``severity``, ``collection``, ``subject``."""
    return _answer(request, analysis.conflicts(conn, dict(request.query_params)))


@router.post("/analysis/statistics", summary="查询统计 / overlay statistics")
async def statistics(request: Request, conn: Conn):
    """Body: ``collections``, ``group_by`` (admin_unit | sub_area | function_zone | collection with
    ``group_collection`` | polygon with ``geometry`` and ``crs``), ``measures`` (count, area_m2,
    area_ha, area_mu, length_m, investment, completion), ``filter`` (CQL2). ``f``: json, csv, xlsx."""
    body = await request.body()
    return _answer(request, await run_in_threadpool(analysis.statistics, conn, dict(request.query_params), body))


@router.get("/analysis/compare", summary="对比分析 / compare two dates")
def compare(request: Request, conn: Conn):
    """``left``, ``right`` (YYYY-MM-DD, end of day Asia/Shanghai), optional ``collections``,
    ``bbox`` (lon/lat) or ``unit`` (街道/镇 or 片区 id). Features added, retired and changed, old → new,
    area / length delta in EPSG:4547, summary per 街道 and 片区. ``f``: json, geojson, csv, xlsx."""
    return _answer(request, analysis.compare(conn, dict(request.query_params)))


@router.post("/analysis/site-search", summary="辅助选址 / site search")
async def site_search(request: Request, conn: Conn):
    """Body: ``proposed_use`` (the parcel check's vocabulary), ``area_min_m2`` / ``area_max_m2``,
    optional ``unit`` (街道/镇 or 片区 id), ``source`` (parcels or a user layer id), ``exclude_verdicts``,
    ``exclude_zones``, ``weights`` (key_share, centre, project with ``project``), ``limit``.
    ``f``: json, csv, xlsx, html (printable report)."""
    body = await request.body()
    return _answer(request, await run_in_threadpool(analysis.site_search, conn, dict(request.query_params), body))


@router.get("/maps/compare", summary="对比分析地图 / two dates side by side", response_class=HTMLResponse)
def compare_page(request: Request, conn: Conn, base: BaseUrl):
    """The plan on ``left`` and ``right`` in one view with a swipe; changed features highlighted."""
    return render(request, "maps_compare.html", result=pages.compare_page(conn, dict(request.query_params), base))


@router.get("/maps/site-search", summary="辅助选址页面 / site-search page", response_class=HTMLResponse)
def site_page(request: Request, conn: Conn, base: BaseUrl):
    """The form, and with ``proposed_use`` given, the ranked candidates on a map."""
    return render(request, "maps_site_search.html", result=pages.site_page(conn, dict(request.query_params), base))


@router.get("/maps/site-search/report", summary="辅助选址报告 / printable site-search report",
            response_class=HTMLResponse)
def site_report(request: Request, conn: Conn):
    """The same search as the page, as a printable list."""
    return _answer(request, analysis.site_report(conn, dict(request.query_params)))
