"""Context of the analysis pages: /maps/compare and /maps/site-search."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from sqlalchemy import Connection

from gis_service import vocab
from gis_service.queries.progress import REVIEW_TIMEZONE
from gis_service.services.analysis import compare as diff
from gis_service.services.analysis.formats import refuse_unknown
from gis_service.services.analysis.site_search import site_search
from gis_service.services.parcel_check.rules import USES
from gis_service.services.progress.history import first_load_day


def map_source() -> str:
    """The maps' attribution: the plan they draw from, and that their geometry is schematic."""
    return f"{vocab.plan_source()} · 示意图 schematic"


# Shown on both sides of the swipe (the zones are the backdrop of every change).
COMPARE_LAYERS = ("function_zones", "ecology_sites", "urban_village_sites", "green_corridors", "projects")


def compare_page(conn: Connection, params: dict, base: str) -> dict:
    refuse_unknown(params, {"left", "right", "collections"})
    today = dt.datetime.now(REVIEW_TIMEZONE).date()
    query = {"left": params.get("left") or (first_load_day(conn) or today).isoformat(),
             "right": params.get("right") or today.isoformat()}
    if params.get("collections"):
        query["collections"] = params["collections"]
    result = diff.compare(conn, query)
    for f in result["features"]:
        f.pop("geometry")
    layers = [c for c in COMPARE_LAYERS if c in result["collections"]]
    result.update(
        csv_url=f"/analysis/compare?{urlencode({**query, 'f': 'csv'})}",
        xlsx_url=f"/analysis/compare?{urlencode({**query, 'f': 'xlsx'})}",
        config={"base": base, "left": result["left"], "right": result["right"], "collections": layers,
                "source": map_source(),
                "limit": 10000, "compareUrl": f"{base}/analysis/compare?{urlencode({**query, 'f': 'geojson'})}"})
    return result


SITE_QUERY = {"proposed_use", "area_min_m2", "area_max_m2", "unit", "source", "exclude_verdicts",
              "exclude_zones", "project", "limit", "w_key_share", "w_centre", "w_project"}


def _num(value: str):
    """A number if it reads as one; otherwise the text, for the search to refuse by name."""
    try:
        return int(value) if value.isdigit() else float(value)
    except ValueError:
        return value


def site_body(params: dict) -> dict:
    """The site-search body from a page's query string (the same checks then apply)."""
    refuse_unknown(params, SITE_QUERY)
    body: dict = {k: params[k] for k in ("proposed_use", "unit", "source", "project") if params.get(k)}
    for k in ("area_min_m2", "area_max_m2", "limit"):
        if params.get(k):
            body[k] = _num(params[k])
    for k in ("exclude_verdicts", "exclude_zones"):
        if k in params:
            body[k] = [v for v in params[k].split(",") if v]
    weights = {k[2:]: _num(params[k]) for k in ("w_key_share", "w_centre", "w_project") if params.get(k)}
    if weights:
        body["weights"] = weights
    return body


def site_page(conn: Connection, params: dict, base: str) -> dict:
    result = site_search(conn, site_body(params)) if params.get("proposed_use") else None
    features = [] if result is None else [
        {"type": "Feature", "id": c["id"], "geometry": c.pop("geometry"),
         "properties": {"rank": c["rank"], "verdict": c["verdict"]["code"], "label": c["label"]}}
        for c in result["candidates"]]
    return {"query": params, "result": result, "uses": USES,
            "report_url": f"/maps/site-search/report?{urlencode(params)}",
            "config": {"base": base, "candidates": {"type": "FeatureCollection", "features": features},
                       "verdict_colours": vocab.signal_colours(vocab.VERDICTS), "source": map_source()}}
