"""One entry per analysis endpoint: parse the request's parameters, run, shape the answer."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from gis_service.services.analysis.pages import site_body
from gis_service.services.analysis import compare as diff, conflict_listing, site_search as sites, statistics as stats
from gis_service.services.parcel_check.geometry_input import load_json
from gis_service.services.analysis.formats import (
    FileAnswer, check_format, geojson_answer, refuse_unknown, table_answer,
)

__all__ = ["FileAnswer", "HtmlAnswer", "compare", "conflicts", "site_report", "site_search", "statistics"]


@dataclass
class HtmlAnswer:
    template: str
    context: dict


CONFLICT_PARAMS = {"f", "state", "severity", "collection", "subject"}


def conflicts(conn: Connection, params: dict):
    refuse_unknown(params, CONFLICT_PARAMS)
    fmt = check_format(params.get("f", "json"), ("json", "geojson", "csv", "xlsx", "html"))
    result = conflict_listing.list_conflicts(conn, params.get("state", "open"), params.get("severity") or None,
                                             params.get("collection") or None, params.get("subject") or None)
    if fmt == "html":
        return HtmlAnswer("plan_conflicts.html", result)
    if fmt == "geojson":
        return geojson_answer(conflict_listing.as_geojson(result), "conflicts")
    if fmt in ("csv", "xlsx"):
        return table_answer(conflict_listing.as_rows(result), fmt, "conflicts")
    for item in result["conflicts"]:
        item.pop("geometry")
    return result


def statistics(conn: Connection, params: dict, body: bytes):
    refuse_unknown(params, {"f"})
    fmt = check_format(params.get("f", "json"), ("json", "csv", "xlsx"))
    result = stats.statistics(conn, load_json(body))
    if fmt == "json":
        return result
    return table_answer(result["rows"], fmt, f"statistics_by_{result['group_by']}")


def compare(conn: Connection, params: dict):
    refuse_unknown(params, diff.PARAMS)
    fmt = check_format(params.get("f", "json"), ("json", "geojson", "csv", "xlsx"))
    result = diff.compare(conn, params)
    stem = f"compare_{result['left']}_{result['right']}"
    if fmt == "geojson":
        return geojson_answer(diff.as_geojson(result), stem)
    if fmt in ("csv", "xlsx"):
        return table_answer(diff.as_rows(result), fmt, stem)
    for feature in result["features"]:
        feature.pop("geometry")
    return result


def site_search(conn: Connection, params: dict, body: bytes):
    refuse_unknown(params, {"f"})
    fmt = check_format(params.get("f", "json"), ("json", "csv", "xlsx", "html"))
    result = sites.site_search(conn, load_json(body))
    if fmt == "html":
        return HtmlAnswer("site_search_report.html", result)
    if fmt in ("csv", "xlsx"):
        return table_answer(sites.as_rows(result), fmt, "site_search")
    return result


def site_report(conn: Connection, params: dict):
    return HtmlAnswer("site_search_report.html", sites.site_search(conn, site_body(params)))
