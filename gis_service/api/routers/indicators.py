"""GET /indicators (JSON and an HTML table with trend charts); POST yearly actuals (editors)."""
from __future__ import annotations

from fastapi import APIRouter, Body, Request

from gis_service.api.deps import BaseUrl, Conn, EditorDep
from gis_service.api.html import render
from gis_service.api.negotiation import wants
from gis_service.services.progress.edits import history
from gis_service.services.progress.indicators import STATUS_LABELS, list_indicators, record_actual, sparkline_svg

router = APIRouter(tags=["规划指标 Plan indicators"])


@router.get("/indicators", summary="规划主要指标（表2）/ the plan's indicators")
def indicators(request: Request, conn: Conn, base: BaseUrl, f: str | None = None):
    """Baseline 2015, target 2020, attribute (预期性/约束性), recorded yearly actuals and a computed
    status: achieved / on_track / behind / no_data (manual for textual targets)."""
    items = list_indicators(conn)
    demo = any(i["demo"] for i in items)
    if wants(request, ("json", "html")) == "html":
        for item in items:
            item["spark"] = sparkline_svg(item)
        return render(request, "indicators.html", items=items, labels=STATUS_LABELS,
                      notice="演示数据 / demo data" if demo else None,
                      breadcrumbs=[(f"{base}/?f=html", "首页 Home")])
    body = {"indicators": items, "status_rules": "see services/progress/indicators.py docstring",
            "statuses": STATUS_LABELS}
    if demo:
        body["notice"] = "含演示数据，非真实值 / contains demo data"
    return body


@router.post("/indicators/{code}/actuals", summary="记录年度实际值 / record a yearly actual",
             responses={401: {}, 403: {}, 404: {}, 422: {}})
def post_actual(code: str, request: Request, principal: EditorDep, conn: Conn,
                body: dict = Body(..., examples=[{"year": 2018, "value": 281.5, "note": "统计公报"}])):
    """Body: `year`, and `value` (number), `value_text`, or `manual_status` (textual targets only);
    optional `note` and `reason`. Re-posting a year replaces it; history keeps both."""
    return record_actual(conn, code, body, principal, path=request.url.path)


@router.get("/indicators/{code}/history", summary="指标变更历史 / an indicator's history")
def indicator_history(code: str, conn: Conn):
    return {"indicator": code, "events": history(conn, "indicators", code)}
