"""Implementation supervision (规划实施监督): stage plans, derived flags, indicator grades,
thresholds and the warning register."""
from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, Response, UploadFile
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from gis_service.api.deps import AppSettings, Conn, EditorDep
from gis_service.api.html import render
from gis_service.api.negotiation import json_body
from gis_service.api.security import default_csp
from gis_service.services.monitoring import (
    definitions, evaluate, flags, grades, lifecycle, page, report, spatial, stage_import, warnings,
)
from gis_service.services.monitoring.params import as_of_day, report_year, stalled_days, today_year
from gis_service.services.parcel_check.pdf import page_pdf
from gis_service.services.progress.tables import MEDIA_TYPES, table_bytes

router = APIRouter(tags=["实施监督 Monitoring"])
STAGES = "/collections/{collectionId}/items/{featureId}/stages"
AS_OF = Query(description="YYYY-MM-DD: as recorded at the end of that day (Asia/Shanghai), judged on that day")


@router.get(STAGES, summary="生命周期阶段与标记 / lifecycle stages and flags")
def get_stages(collectionId: str, featureId: str, conn: Conn, as_of: Annotated[str | None, AS_OF] = None,
               stalled_days_: Annotated[str | None, Query(alias="stalled_days")] = None):
    """Stages with planned and actual dates, the responsible unit, documents, and the derived
    `overdue` / `stalled` / `suspended` flags."""
    return flags.one_work(conn, collectionId, featureId, as_of_day(as_of), stalled_days(stalled_days_))


@router.patch(STAGES, summary="修改生命周期阶段 / edit lifecycle stages",
              responses={401: {}, 403: {}, 404: {}, 412: {}, 422: {}, 428: {}})
async def patch_stages(principal: EditorDep, collectionId: str, featureId: str, request: Request, settings: AppSettings):
    """Body: `{"stages": {"<stage>": {"planned_start", "planned_end", "actual_start", "actual_end"}},
    "responsible_unit", "documents": [{"ref", "title", "url"}], "note", "reason"}`; a stage given as
    JSON nothing is removed. Send `If-Match` with the item's ETag. `status` follows the latest started stage."""
    result = await run_in_threadpool(
        lifecycle.edit_stages, request.app.state.engine, collectionId, featureId, await json_body(request),
        principal, if_match=request.headers.get("if-match"), require_if_match=settings.require_if_match,
        path=request.url.path)
    return Response(json.dumps(result, ensure_ascii=False), media_type="application/json",
                    headers={"ETag": f'"{result["version"]}"'})


@router.get("/monitoring/works", summary="工程标记 / works with derived flags")
def get_works(conn: Conn, as_of: Annotated[str | None, AS_OF] = None,
              stalled_days_: Annotated[str | None, Query(alias="stalled_days")] = None):
    """Every scheduled work with its stage plan and `overdue` / `stalled` / `suspended`."""
    day = as_of_day(as_of)
    return {"as_of": day and day.isoformat(), "works": flags.all_works(conn, day, stalled_days(stalled_days_))}


@router.get("/monitoring/indicators", summary="指标红黄绿 / indicator grades")
def get_indicator_grades(conn: Conn, year: str | None = None):
    """Each 表2 indicator with its trajectory 2015–2020, thresholds and 红黄绿 grade for its latest
    actual up to `year`, beside the existing status."""
    return {"year": report_year(year), "indicators": grades.graded_indicators(conn, report_year(year))}


@router.put("/monitoring/thresholds/{code}", summary="设置指标阈值 / set an indicator's thresholds",
            responses={401: {}, 403: {}, 404: {}, 422: {}})
async def put_thresholds(principal: EditorDep, code: str, request: Request):
    """Body `{"yellow_at": 0.05, "red_at": 0.15}`: relative shortfall from the trajectory; must increase."""
    return await run_in_threadpool(grades.set_thresholds, request.app.state.engine, code, await json_body(request),
                                   principal, path=request.url.path)


@router.put("/monitoring/definitions/{code}", summary="设置指标定义 / set an indicator's definition",
            responses={401: {}, 403: {}, 404: {}, 422: {}})
async def put_definition(principal: EditorDep, code: str, request: Request):
    """Body: `{"caliber", "formula", "data_source", "responsible_unit", "frequency"}` (口径, 计算公式, 数据来源,
    责任单位, 上报频率); fields not given become empty. Editor key; audited."""
    return await run_in_threadpool(definitions.set_definition, request.app.state.engine, code,
                                   await json_body(request), principal, path=request.url.path)


@router.get("/monitoring/warnings", summary="预警台账 / the warning register",
            responses={200: {"content": {"application/json": {}, "text/html": {},
                                         **{t: {} for t in MEDIA_TYPES.values()}}}})
def get_warnings(request: Request, conn: Conn, status: str | None = None, severity: str | None = None,
                 rule: str | None = None, active: bool | None = None, year: str | None = None,
                 as_of: Annotated[str | None, AS_OF] = None, f: Literal["json", "csv", "xlsx", "html"] = "json"):
    """Every warning ever raised (none is deleted), newest first; `active=true` for the ones still open;
    `as_of` for the ones open at the end of that day."""
    rows = warnings.list_warnings(conn, status=status, severity=severity, rule=rule, active=active,
                                  year=report_year(year), as_of=as_of_day(as_of))
    if f == "json":
        return {"warnings": rows, "count": len(rows)}
    if f == "html":
        return render(request, "monitoring_warnings.html", rows=rows)
    return Response(table_bytes(warnings.warnings_table(rows), f, "warnings"), media_type=MEDIA_TYPES[f],
                    headers={"Content-Disposition": f'attachment; filename="warnings.{f}"'})


@router.post("/monitoring/warnings/{warningId}/{step}", summary="确认/关闭预警 / acknowledge or close a warning",
             responses={401: {}, 403: {}, 404: {}, 409: {}, 422: {}})
async def act_on_warning(principal: EditorDep, warningId: Annotated[int, Path(ge=1, le=2**63 - 1)],
                         step: Literal["acknowledge", "close"], request: Request):
    """Body (optional): `{"comment": "..."}`. Needs an editor key; audited."""
    body = await json_body(request) if await request.body() else None
    return await run_in_threadpool(warnings.act, request.app.state.engine, warningId, step, body, principal,
                                   path=request.url.path)


@router.post("/monitoring/evaluate", summary="重新评估全部预警 / re-evaluate every warning",
             responses={401: {}, 403: {}})
def post_evaluate(principal: EditorDep, request: Request):
    """Runs every rule on every subject: time alone makes works overdue or stalled."""
    return evaluate.evaluate_everything(request.app.state.engine, principal, path=request.url.path)


@router.post("/monitoring/stages/import", summary="批量导入阶段计划 / bulk stage-plan import",
             responses={401: {}, 403: {}, 422: {"description": "invalid rows: nothing applied"}})
async def import_stages(principal: EditorDep, request: Request, file: Annotated[UploadFile, File(description="CSV or XLSX")],
                        dry_run: Annotated[bool, Form()] = False):
    """Columns: collection (optional where a name is unique), id or exact name, stage (code or 中文),
    planned_start, planned_end, actual_start, actual_end, responsible_unit. One row per work and stage.
    `dry_run=true` previews; applying is all-or-nothing."""
    data = await file.read()
    report = await run_in_threadpool(stage_import.import_stage_plans, request.app.state.engine, data,
                                     file.filename or "sheet.csv", principal, dry_run=dry_run, path=request.url.path)
    return report.as_dict()


@router.get("/monitoring/spatial", summary="空间指标 / spatial indicators",)
def get_spatial(conn: Conn, as_of: Annotated[str | None, AS_OF] = None):
    """Computed from the layers by SQL, each value with the features and history rows it came from."""
    return spatial.spatial_indicators(conn, as_of_day(as_of))


@router.get("/monitoring/report", summary="年度实施评估报告 / the annual assessment report",
            response_class=Response, responses={200: {"content": {"text/html": {}, "application/pdf": {},
                                                                  MEDIA_TYPES["xlsx"]: {}}}})
async def get_report(request: Request, conn: Conn, settings: AppSettings, year: str | None = None,
                     f: Literal["html", "pdf", "xlsx"] = "html"):
    """`year` 2016 up to this year; A4 HTML, PDF (headless Chromium prints the HTML) or XLSX."""
    day = report_year(year, required=True)
    if f == "pdf":
        pdf = await page_pdf(request, f"/monitoring/report?year={day}&f=html", settings)
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="assessment-{day}.pdf"'})
    ctx = await run_in_threadpool(report.report_context, conn, day)
    if f == "xlsx":
        return Response(report.report_xlsx(ctx), media_type=MEDIA_TYPES["xlsx"],
                        headers={"Content-Disposition": f'attachment; filename="assessment-{day}.xlsx"'})
    return render(request, "monitoring_report.html", tz=flags.SHANGHAI, **ctx)


@router.get("/monitoring", summary="实施监督页面 / the monitoring page", response_class=HTMLResponse)
def monitoring_page(request: Request, conn: Conn, settings: AppSettings, embed: bool = False,
                    as_of: Annotated[str | None, AS_OF] = None, sub_area: str | None = None,
                    admin_unit: str | None = None, zhuanlan: str | None = None, category: str | None = None):
    """KPI tiles, indicator trajectories, completion by 片区, warnings by severity and a map of
    warnings; filters by 片区 / 街道 / 专栏 / category and `as_of`. Works offline; `embed=1` for iframes."""
    filters = page.PageFilters(as_of_day(as_of), sub_area or None, admin_unit or None, zhuanlan or None,
                               category or None)
    data = page.page_data(conn, filters)
    response = render(request, "monitoring.html", data=data, embed=embed, year=today_year(),
                      data_json=json.dumps(data, ensure_ascii=False).replace("</", "<\\/"))
    response.headers["Content-Security-Policy"] = default_csp(settings.maps_frame_ancestors)
    return response
