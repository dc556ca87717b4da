"""``POST /analysis/statistics``: a cross-table of collections × groups (街道/镇, 片区, 主体功能区, a
polygon collection, or drawn polygons in any supported CRS, GCJ-02 included)."""
from __future__ import annotations

from urllib.parse import urlencode

import shapely
from sqlalchemy import Connection, text

from gis_service.crs import parse_crs
from gis_service.errors import BadParameter, GisError
from gis_service.queries import plan_analysis_stats as sql
from gis_service.queries.registry import get_collection
from gis_service.queries.cql2 import compile_filter
from gis_service.services.parcel_check.geometry_input import parse_parcels
from gis_service.services.parcel_check.report import M2_PER_MU
from gis_service.services.progress import rollup
from gis_service.services.progress.vocab import is_progress_collection
from gis_service import vocab

MEASURES = ("count", "area_m2", "area_ha", "area_mu", "length_m", "investment", "completion")
GROUPINGS = ("admin_unit", "sub_area", "function_zone", "collection", "polygon")
# Cell links filter by these queryables (never by polygons).
LINK_PROPERTY = {"admin_unit": "admin_unit", "sub_area": "sub_area"}
MAX_GROUP_POLYGONS, MAX_GROUP_VERTICES = 50, 20000
BODY_KEYS = {"collections", "group_by", "group_collection", "geometry", "crs", "measures", "filter", "filter-lang"}


def _list(body: dict, key: str, default=None) -> list[str]:
    value = body.get(key, default)
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise BadParameter(key, "应为非空的名称列表", "expected a non-empty list of names")
    return value


def parse_request(conn: Connection, body: dict) -> dict:
    if not isinstance(body, dict):
        raise BadParameter("body", "请求体应为 JSON 对象", "the body must be a JSON object")
    unknown = sorted(set(body) - BODY_KEYS)
    if unknown:
        raise BadParameter(unknown[0], "不支持的字段", f"unsupported member (use {', '.join(sorted(BODY_KEYS))})")
    collections = [_collection(conn, c) for c in _list(body, "collections")]
    measures = _list(body, "measures", ["count", "area_m2"])
    wrong = [m for m in measures if m not in MEASURES]
    if wrong:
        raise BadParameter("measures", f"未知度量 {wrong[0]}（可选 {', '.join(MEASURES)}）",
                           f"unknown measure {wrong[0]!r} (use {', '.join(MEASURES)})",
                           detail={"allowed": list(MEASURES)})
    group_by = body.get("group_by", "admin_unit")
    if group_by not in GROUPINGS:
        raise BadParameter("group_by", f"可选 {', '.join(GROUPINGS)}", f"use one of {', '.join(GROUPINGS)}")
    filters = {}
    if body.get("filter"):
        for c in collections:
            filters[c.id] = compile_filter(c, body["filter"], body.get("filter-lang"))
    groups, binds = _groups(conn, body, group_by)
    return {"collections": collections, "measures": measures, "group_by": group_by, "groups_sql": groups,
            "group_binds": binds, "filters": filters, "filter": body.get("filter")}


def _collection(conn: Connection, cid: str):
    try:
        return get_collection(conn, cid)
    except Exception:  # NotFound: an unknown collection is a bad parameter here
        raise BadParameter("collections", f"未知图层 {cid!r}", f"unknown collection {cid!r}",
                           detail={"collection": cid}) from None


def _groups(conn: Connection, body: dict, group_by: str) -> tuple[str, dict]:
    if group_by in sql.GROUP_SOURCES:
        return sql.GROUP_SOURCES[group_by], {}
    if group_by == "collection":
        if not isinstance(body.get("group_collection"), str):
            raise BadParameter("group_collection", "按图层分组时须给出面图层", "group_by=collection needs group_collection")
        c = _collection(conn, body["group_collection"])
        return sql.collection_groups(c.table, c.id_sql, c.base_where), dict(c.base_params)
    return sql.DRAWN_GROUPS, drawn_groups(conn, body.get("geometry"), body.get("crs"))


def drawn_groups(conn: Connection, geometry, crs: str | None) -> dict:
    """Drawn polygons (the parcel check's input vocabulary and ``crs``), each one group."""
    if geometry is None:
        raise BadParameter("geometry", "按多边形分组时须给出 geometry", "group_by=polygon needs a geometry")
    try:
        parcels = parse_parcels(geometry, parse_crs(crs), repair=False, max_parcels=MAX_GROUP_POLYGONS,
                                max_vertices=MAX_GROUP_VERTICES, allow_points=False)
    except GisError as exc:  # the parcel check's own message, naming the member at fault
        exc.detail = {"parameter": "geometry", **(exc.detail or {})}
        raise
    keys, names, wkbs = [], [], []
    for p in parcels:
        wkb = shapely.to_wkb(p.geometry)
        row = conn.execute(text(sql.DISTRICT_OVERLAP_SQL), {"wkb": wkb}).one()
        if row.inside_m2 < 1.0:
            raise BadParameter("geometry", f"第 {p.index + 1} 个多边形不在城区范围内",
                               f"polygon {p.index + 1} lies outside 城区", detail={"feature": p.index + 1})
        keys.append(str(p.properties.get("id") or f"polygon-{p.index + 1}"))
        names.append(str(p.properties.get("name") or f"多边形 {p.index + 1}"))
        wkbs.append(wkb)
    return {"group_keys": keys, "group_names": names, "group_wkbs": wkbs}


def _cell(row, measures: list[str], progress: bool) -> dict:
    cell: dict = {}
    area = float(row.area_m2)
    for m in measures:
        if m == "count":
            cell["count"] = row.count
        elif m.startswith("area_"):
            cell[m] = round({"area_m2": area, "area_ha": area / 10000, "area_mu": area / M2_PER_MU}[m], 4)
        elif m == "length_m":
            cell["length_m"] = round(float(row.length_m), 3)
        elif m == "investment":
            cell["investment_planned_wan"] = None if row.planned is None else float(row.planned)
            cell["investment_completed_wan"] = None if row.done is None else float(row.done)
        elif m == "completion":
            cell["finished"] = row.finished if progress else None
            cell["completion_rate"] = round(row.finished / row.count, 4) if progress and row.count else None
    return cell


def _link(c, group_by: str, key: str, cql: str | None) -> str | None:
    prop = LINK_PROPERTY.get(group_by)
    if prop is None or prop not in c.properties:
        return None
    query = {prop: key, **({"filter": cql} if cql else {})}
    return f"/collections/{c.id}/items?{urlencode(query)}"


def statistics(conn: Connection, body: dict) -> dict:
    req = parse_request(conn, body)
    table: dict[str, dict] = {}
    rows_out, unassigned = [], {}
    for c in req["collections"]:
        finished = sorted(vocab.codes_in_group(vocab.FINISHED))
        where, params = c.base_where, {**c.base_params, **req["group_binds"], "finished": finished}
        if c.id in req["filters"]:
            fsql, fparams = req["filters"][c.id]
            where, params = f"{where} AND ({fsql})", {**params, **fparams}
        given = _rollup_assignment(conn, c.id, req["group_by"])
        if given is not None:
            params = {**params, "assigned_ids": list(given), "assigned_keys": list(given.values())}
        statement = sql.stats_sql(req["groups_sql"], c.table, c.id_sql, where, c.has_progress,
                                  sql.GIVEN_ASSIGNMENT if given is not None else None)
        counted = 0
        for row in conn.execute(text(statement), params):
            counted += row.count
            cell = {**_cell(row, req["measures"], c.has_progress), "link": _link(c, req["group_by"], row.key, req["filter"])}
            group = table.setdefault(row.key, {"key": row.key, "name": row.name, "cells": {}})
            group["cells"][c.id] = cell
            rows_out.append({"group": row.key, "group_name": row.name, "collection": c.id, **cell})
        unassigned[c.id] = _unassigned(conn, c, where, params, given, counted)
    return {"group_by": req["group_by"], "collections": [c.id for c in req["collections"]],
            "measures": req["measures"], "filter": req["filter"], "groups": list(table.values()),
            "rows": rows_out, "unassigned": unassigned,
            "note_zh": "面积、长度按分组多边形裁剪（EPSG:4547）；计数、投资与完成率按唯一归属规则：进度图层按街道/片区分组时"
                       "与进度统计相同（规划注明的片区优先，其次最大重叠），其余按最大重叠，点按包含。",
            "note_en": "Areas and lengths clipped to each group (EPSG:4547); counts, investment and completion by the "
                       "one unit rule: for progress layers grouped by 街道/片区 the progress roll-up's (the plan's area "
                       "hint first, then largest overlap), otherwise largest overlap, points by containment, ties to "
                       "the lowest id."}


def _rollup_assignment(conn: Connection, collection_id: str, group_by: str) -> dict[str, str] | None:
    """feature id → unit as the progress roll-up places it, where the roll-up has a rule for this grouping."""
    if group_by not in rollup.UNIT_GROUPINGS or not is_progress_collection(collection_id):
        return None
    units = rollup.load_units(conn)
    placed = {row.id: rollup.unit_of(row, group_by, units)[0] for row in rollup.feature_rows(conn, collection_id)}
    return {fid: key for fid, key in placed.items() if key != rollup.UNLOCATED}


def _unassigned(conn: Connection, c, where: str, params: dict, given: dict | None, counted: int) -> dict:
    """Features counted in no group: without a geometry, or located outside every group."""
    if given is None:
        rest = conn.execute(text(sql.located_sql(c.table, where)), params).one()
        return {"unlocated": rest.unlocated, "outside_groups": rest.located - counted}
    rows = conn.execute(text(sql.filtered_ids_sql(c.table, c.id_sql, where)), params).all()
    left = [r for r in rows if r.id not in given]
    return {"unlocated": sum(r.unlocated for r in left), "outside_groups": sum(not r.unlocated for r in left)}
