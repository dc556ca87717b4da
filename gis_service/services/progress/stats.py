"""Progress statistics by admin unit, 片区, category or plan reference, now or ``as_of``.

Units are assigned by the one roll-up rule (``services.progress.rollup``): the plan's hint,
then location, then the plan's admin unit; otherwise ``unlocated``. Each item's basis is
counted so the rule is visible.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection

from gis_service.db.models import PROGRESS_COLLECTIONS
from gis_service.errors import BadParameter
from gis_service.services.progress.history import as_of_members, check_as_of
from gis_service.services.progress.rollup import (
    UNLOCATED, Units, feature_rows, is_finished, is_reported, load_units, unit_of,
)
from gis_service.vocab import DEMO_NOTICE, FINISHED, all_status_codes, codes_in_group

GROUPINGS = ("admin_unit", "sub_area", "category", "plan_ref")


def group_of(row, group_by: str, units: Units) -> tuple[str, str]:
    """(group key, basis)."""
    if group_by in ("category", "plan_ref"):
        return (getattr(row, group_by) or "(none)"), "attribute"
    return unit_of(row, group_by, units)


def _empty_group(key: str, name: str) -> dict:
    return {"key": key, "name": name, "total": 0, "reported": 0, "finished": 0,
            "by_status": {code: 0 for code in all_status_codes()}, "basis": {},
            "percent_sum": 0.0, "percent_n": 0, "investment_planned_wan": 0.0,
            "investment_completed_wan": 0.0, "investment_items": 0, "demo": 0}


def _finish(group: dict) -> dict:
    total = group["total"]
    group["completion_rate"] = round(group["finished"] / total, 4) if total else None
    group["reported_rate"] = round(group["reported"] / total, 4) if total else None
    group["mean_percent_complete"] = (round(group["percent_sum"] / group["percent_n"], 2)
                                      if group["percent_n"] else None)
    planned = group["investment_planned_wan"]
    group["investment_completion_rate"] = (round(group["investment_completed_wan"] / planned, 4)
                                           if group["investment_items"] and planned else None)
    if not group["investment_items"]:
        group["investment_planned_wan"] = group["investment_completed_wan"] = None
    del group["percent_sum"], group["percent_n"]
    return group


def progress_stats(conn: Connection, group_by: str, as_of: dt.date | None = None,
                   collections: list[str] | None = None) -> dict:
    if group_by not in GROUPINGS:
        raise BadParameter("group_by", f"应为 {GROUPINGS} 之一", f"must be one of {GROUPINGS}")
    collections = collections or list(PROGRESS_COLLECTIONS)
    unknown = [c for c in collections if c not in PROGRESS_COLLECTIONS]
    if unknown:
        raise BadParameter("collection", f"没有进展的图层 {unknown}", f"collections without progress: {unknown}")
    check_as_of(conn, as_of)
    units = load_units(conn)
    names = {"admin_unit": units.admin, "sub_area": units.sub}.get(group_by, {})
    groups = {key: _empty_group(key, name) for key, name in names.items()}
    for collection_id in collections:
        for row in feature_rows(conn, collection_id, as_of):
            key, basis = group_of(row, group_by, units)
            group = groups.setdefault(key, _empty_group(key, "未定位 unlocated" if key == UNLOCATED else key))
            group["total"] += 1
            group["by_status"][row.status] += 1
            group["basis"][basis] = group["basis"].get(basis, 0) + 1
            group["reported"] += is_reported(row)
            group["finished"] += is_finished(row)
            group["demo"] += row.demo
            if row.percent_complete is not None:
                group["percent_sum"] += float(row.percent_complete)
                group["percent_n"] += 1
            if row.investment_planned_wan is not None and row.investment_completed_wan is not None:
                group["investment_items"] += 1
                group["investment_planned_wan"] += float(row.investment_planned_wan)
                group["investment_completed_wan"] += float(row.investment_completed_wan)
    unlocated = groups.pop(UNLOCATED, None)
    result = {
        "group_by": group_by, "collections": collections,
        "groups": [_finish(g) for g in sorted(groups.values(), key=lambda g: g["key"])],
        "unlocated": _finish(unlocated) if unlocated else None,
        "units_without_reports": [],
        "rules": {"finished_statuses": sorted(codes_in_group(FINISHED)),
                  "grouping": "area_hint of the plan first, then location (largest overlap in EPSG:4547, "
                              "points by containment, ties to the lowest id), then the feature's admin_unit; "
                              "otherwise unlocated"},
    }
    result["units_without_reports"] = [{"key": g["key"], "name": g["name"], "total": g["total"]}
                                       for g in result["groups"] if g["reported"] == 0]
    result.update(as_of_members(as_of) or {"as_of": None})
    if any(g["demo"] for g in [*result["groups"], *([unlocated] if unlocated else [])]):
        result["notice"] = DEMO_NOTICE
    return result


def stats_table(result: dict) -> list[dict]:
    """Flat rows for CSV/XLSX: one per group, the unlocated row last."""
    rows = []
    for group in [*result["groups"], *([result["unlocated"]] if result["unlocated"] else [])]:
        row = {"group_by": result["group_by"], "key": group["key"], "name": group["name"],
               "as_of": result.get("as_of") or "", "total": group["total"], "reported": group["reported"],
               "finished": group["finished"], "completion_rate": group["completion_rate"],
               "reported_rate": group["reported_rate"], "mean_percent_complete": group["mean_percent_complete"],
               "investment_planned_wan": group["investment_planned_wan"],
               "investment_completed_wan": group["investment_completed_wan"],
               "investment_completion_rate": group["investment_completion_rate"], "demo_items": group["demo"]}
        row.update({f"status_{code}": n for code, n in group["by_status"].items()})
        rows.append(row)
    return rows
