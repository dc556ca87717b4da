"""Context of the analysis pages: /maps/compare and /maps/site-search."""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from sqlalchemy import Connection

from gis_service.queries.progress import REVIEW_TIMEZONE
from gis_service.services.analysis import compare as diff
from gis_service.services.analysis.formats import refuse_unknown
from gis_service.services.progress.history import first_load_day

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
                "limit": 10000, "compareUrl": f"{base}/analysis/compare?{urlencode({**query, 'f': 'geojson'})}"})
    return result
