"""What the /monitoring page shows: KPI tiles, indicator trajectories, completion by 片区,
warnings by severity and a map of warnings, filtered by 片区 / 街道 / 专栏 / category and
``as_of``. The page draws from one JSON block; nothing is fetched after load."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Connection, text

from gis_service.queries import monitoring as sql
from gis_service.services.map_pages.data import progress_view
from gis_service.services.monitoring import flags, grades, warnings
from gis_service.errors import BadParameter
from gis_service import vocab
from gis_service.vocab import DEMO_LABEL

SEVERITY_ORDER = tuple(vocab.WARNING_SEVERITIES)  # worst first


@dataclass(frozen=True)
class PageFilters:
    as_of: dt.date | None = None
    sub_area: str | None = None
    admin_unit: str | None = None
    zhuanlan: str | None = None
    category: str | None = None


def _check(name: str, value: str | None, allowed: list[str]) -> None:
    if value and value not in allowed:
        raise BadParameter(name, f"没有 {value!r}，可选：{'、'.join(allowed)}",
                           f"no {value!r}; choose one of {', '.join(allowed)}")


def _outlines(conn: Connection) -> dict:
    out: dict[str, list] = {"admin_units": [], "sub_areas": []}
    for r in conn.execute(text(sql.UNIT_OUTLINES)):
        out[r.kind].append({"type": "Feature", "id": r.id, "properties": {"name": r.name},
                            "geometry": json.loads(r.geometry)})
    return {k: {"type": "FeatureCollection", "features": v} for k, v in out.items()}


def page_data(conn: Connection, f: PageFilters) -> dict:
    view = progress_view(conn, f.as_of, f.category, f.zhuanlan)
    units = {kind: {s.id: s for s in stats} for kind, stats in view.units.items()}
    _check("sub_area", f.sub_area, list(units["sub_areas"]))
    _check("admin_unit", f.admin_unit, list(units["admin_units"]))
    _check("category", f.category, view.categories)
    _check("zhuanlan", f.zhuanlan, view.zhuanlan)
    items = [i for i in view.items if (not f.sub_area or i.sub_area == f.sub_area)
             and (not f.admin_unit or i.admin_unit == f.admin_unit)]
    chosen = {(i.collection_id, i.id): i for i in items}
    works = [w for w in flags.all_works(conn, f.as_of) if (w["collection"], w["id"]) in chosen]
    subjects = {f"{w['collection']}/{w['id']}" for w in works}
    area_filtered = any((f.sub_area, f.admin_unit, f.zhuanlan, f.category))
    opened = warnings.list_warnings(conn, as_of=f.as_of) if f.as_of else warnings.list_warnings(conn, active=True)
    active = [w for w in opened
              if w["subject_id"] in subjects or (w["subject_type"] == "indicator" and not area_filtered)]
    indicators = grades.graded_indicators(conn, f.as_of.year if f.as_of else None)
    return {
        "filters": {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in f.__dict__.items()},
        "choices": {"sub_areas": {k: s.name for k, s in units["sub_areas"].items()},
                    "admin_units": {k: s.name for k, s in units["admin_units"].items()},
                    "zhuanlan": view.zhuanlan, "categories": view.categories},
        "kpis": {"works": len(works), "reported": sum(w["status"] != "unknown" for w in works),
                 "finished": sum(i.done for i in items), "overdue": sum(w["overdue"] for w in works),
                 "stalled": sum(w["stalled"] for w in works), "suspended": sum(w["suspended"] for w in works),
                 "warnings": {s: sum(w["severity"] == s for w in active) for s in SEVERITY_ORDER},
                 "grades": {g: sum(i["grade"] == g for i in indicators) for g in grades.GRADES}},
        "indicators": [{"code": i["code"], "name": i["name"], "unit": i["unit"], "grade": i["grade"],
                        "trajectory": i["trajectory"], "actuals": [[a["year"], a["value"]] for a in i["actuals"]
                                                                   if a["value"] is not None]}
                       for i in indicators if i["trajectory"]],
        "completion_by_sub_area": [{"id": s.id, "name": s.name, "total": s.total, "known": s.known, "done": s.done,
                                    "rate": s.rate} for s in units["sub_areas"].values()],
        "warning_markers": _markers(active, chosen),
        "outlines": _outlines(conn),
        "demo": view.demo or any(w["demo"] for w in works) or any(w["demo"] for w in active),
        "demo_label": DEMO_LABEL,
        "colours": {"severity": vocab.signal_colours(vocab.WARNING_SEVERITIES),
                    "grade": vocab.signal_colours(vocab.INDICATOR_GRADES)},
        "severity_labels": {code: s.zh for code, s in vocab.WARNING_SEVERITIES.items()},
    }


def _markers(active: list[dict], chosen: dict) -> list[dict]:
    by_subject: dict[str, list[dict]] = {}
    for w in active:
        by_subject.setdefault(w["subject_id"], []).append(w)
    out = []
    for subject, rows in by_subject.items():
        collection, _, fid = subject.partition("/")
        item = chosen.get((collection, fid))
        if item is None or item.lat is None:
            continue
        worst = min(rows, key=lambda w: SEVERITY_ORDER.index(w["severity"]))
        out.append({"subject": subject, "name": item.name, "lat": round(item.lat, 6), "lon": round(item.lon, 6),
                    "severity": worst["severity"], "reasons": [w["reason_zh"] for w in rows], "link": worst["link"],
                    "demo": item.demo or worst["demo"]})
    return out
