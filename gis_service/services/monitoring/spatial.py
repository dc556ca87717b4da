"""Spatial indicators computed from the layers by SQL, each with its provenance: the features
counted (links) and the history rows their values came from. All as recorded at ``as_of``.

- 城中村改造完成率: finished / all villages, by count and by area (EPSG:4547);
- mean 签约率 / 腾空率 over the villages that report one;
- works behind schedule (overdue) per 片区 and per 街道, placed by the progress statistics' rule;
- investment completion: completed / planned over the projects that record both.
A value with nothing to compute from is None (无数据), never 0.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from gis_service.queries import monitoring as sql
from gis_service.queries.progress import as_of_cutoff
from gis_service.services.monitoring import flags
from gis_service import vocab
from gis_service.services.progress.rollup import feature_rows, load_units, unit_of


def _provenance(conn: Connection, collection_id: str, ids: list[str], as_of: dt.date | None) -> dict:
    params = {"cid": collection_id, "ids": list(ids)}
    if as_of is not None:
        params["cutoff"] = as_of_cutoff(as_of)
    events = {r.feature_id: r.events for r in conn.execute(text(sql.events_sql(as_of)), params)}
    return {"collection": collection_id, "count": len(ids),
            "features": [{"id": i, "link": f"/collections/{collection_id}/items/{i}",
                          "history": f"/collections/{collection_id}/items/{i}/history",
                          "events": events.get(i, [])} for i in ids]}


def _ratio(part, whole, digits: int = 4):
    return round(float(part) / float(whole), digits) if part is not None and whole else None


def _mean(value):
    return None if value is None else round(float(value), 2)


def _village(conn: Connection, as_of: dt.date | None) -> list[dict]:
    query, params = sql.village_indicators_sql(as_of)
    r = conn.execute(text(query), {**params, "finished": sorted(vocab.codes_in_group(vocab.FINISHED))}).mappings().one()
    known = r["reported"] > 0  # with no village reported, a rate of 0 would be invented
    prov = lambda ids: _provenance(conn, "urban_village_sites", ids, as_of)  # noqa: E731
    return [
        {"code": "village_completion_count", "name_zh": "城中村改造完成率（按个数）", "name_en": "urban villages done, by count",
         "unit": "ratio", "value": _ratio(r["finished"], r["total"]) if known else None,
         "numerator": r["finished"], "denominator": r["total"], "reported": r["reported"],
         "provenance": prov(r["ids"])},
        {"code": "village_completion_area", "name_zh": "城中村改造完成率（按面积）", "name_en": "urban villages done, by area",
         "unit": "ratio", "value": _ratio(r["area_finished_m2"] or 0, r["area_total_m2"]) if known else None,
         "numerator": r["area_finished_m2"] and round(float(r["area_finished_m2"]), 1),
         "denominator": r["area_total_m2"] and round(float(r["area_total_m2"]), 1),
         "unlocated": r["unlocated"], "provenance": prov(r["ids"])},
        {"code": "village_mean_signing_rate", "name_zh": "平均签约率", "name_en": "mean signing rate", "unit": "%",
         "value": _mean(r["mean_signing_rate"]), "reported": len(r["signing_ids"]), "provenance": prov(r["signing_ids"])},
        {"code": "village_mean_vacated_rate", "name_zh": "平均腾空率", "name_en": "mean vacated rate", "unit": "%",
         "value": _mean(r["mean_vacated_rate"]), "reported": len(r["vacated_ids"]), "provenance": prov(r["vacated_ids"])},
    ]


def _investment(conn: Connection, as_of: dt.date | None) -> dict:
    query, params = sql.investment_sql(as_of)
    r = conn.execute(text(query), params).mappings().one()
    return {"code": "investment_completion", "name_zh": "项目投资完成率", "name_en": "investment completion",
            "unit": "ratio", "value": _ratio(r["completed"], r["planned"]),
            "numerator": r["completed"] and float(r["completed"]), "denominator": r["planned"] and float(r["planned"]),
            "provenance": _provenance(conn, "projects", r["ids"], as_of)}


def overdue_by_unit(conn: Connection, as_of: dt.date | None, group_by: str) -> list[dict]:
    """Works behind schedule per 街道 (admin_unit) or 片区 (sub_area)."""
    units = load_units(conn)
    names = units.admin if group_by == "admin_unit" else units.sub
    groups = {k: {"key": k, "name": n, "works": 0, "overdue": 0, "ids": []} for k, n in names.items()}
    for collection_id in flags.LIFECYCLE_COLLECTIONS:
        late = {w["id"] for w in flags.works(conn, collection_id, as_of) if w["overdue"]}
        for row in feature_rows(conn, collection_id, as_of):
            key, _ = unit_of(row, group_by, units)
            group = groups.setdefault(key, {"key": key, "name": "未定位 unlocated" if key == "unlocated" else key,
                                            "works": 0, "overdue": 0, "ids": []})
            group["works"] += 1
            if row.id in late:
                group["overdue"] += 1
                group["ids"].append(f"{collection_id}/{row.id}")
    return [{**g, "features": [f"/collections/{i.split('/')[0]}/items/{i.split('/')[1]}" for i in g.pop("ids")]}
            for g in sorted(groups.values(), key=lambda g: g["key"])]


def spatial_indicators(conn: Connection, as_of: dt.date | None = None) -> dict:
    return {"as_of": as_of and as_of.isoformat(), "indicators": [*_village(conn, as_of), _investment(conn, as_of)],
            "overdue_by_sub_area": overdue_by_unit(conn, as_of, "sub_area"),
            "overdue_by_admin_unit": overdue_by_unit(conn, as_of, "admin_unit")}
