"""``POST /analysis/site-search`` (辅助选址): rank candidate polygons for a proposed use.

Candidates come from ``parcels`` (synthetic unless a user loads one: labelled 合成数据) or a user
layer. Score = Σ wᵢ × partᵢ / Σ wᵢ, every part normalised to 0–1: the share inside 重点开发区; the
nearness to the old-town centre (the 城区人民政府 anchor point) or to a named project, as
1 − (d − d_min) / (d_max − d_min) over the candidates. Candidates are checked in rank order with
the parcel check itself, so each verdict and hit list is exactly the parcel check's.
"""
from __future__ import annotations

import math

import shapely
from sqlalchemy import Connection, text

from gis_service import vocab
from gis_service.errors import BadParameter
from gis_service.queries import plan_analysis_sites as sql
from gis_service.queries.analysis import tune_check
from gis_service.services.parcel_check import rules
from gis_service.services.parcel_check.check import check_parcels, check_proposed_use
from gis_service.services.parcel_check.geometry_input import ParcelInput

# 城区人民政府 (real coordinates, CGCS2000). lead: move beside layerbuild's RING_CENTRE in vocab.
OLD_TOWN_CENTRE = vocab.OLD_TOWN_CENTRE
WEIGHTS = ("key_share", "centre", "project")
EXCLUDABLE_VERDICTS = tuple(rules.VERDICTS)
EXCLUDABLE_ZONES = ("prohibited", "restricted", "key", "optimized")
BODY_KEYS = {"proposed_use", "area_min_m2", "area_max_m2", "unit", "source", "exclude_verdicts",
             "exclude_zones", "weights", "project", "limit"}
CHECK_BATCH, MAX_LIMIT = 100, 200
SYNTHETIC_LABEL = "合成数据"


def _number(value, name: str, default: float | None = None) -> float:
    if value is None and default is not None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise BadParameter(name, f"应为非负数，收到 {value!r}", f"expected a non-negative number, got {value!r}")
    return float(value)


def _names(body: dict, key: str, allowed: tuple, default: list) -> list[str]:
    values = body.get(key, default)
    if not isinstance(values, list) or any(v not in allowed for v in values):
        raise BadParameter(key, f"可选 {', '.join(allowed)}", f"use values from {', '.join(allowed)}")
    return values


def parse(conn: Connection, body) -> dict:
    if not isinstance(body, dict):
        raise BadParameter("body", "请求体应为 JSON 对象", "the body must be a JSON object")
    unknown = sorted(set(body) - BODY_KEYS)
    if unknown:
        raise BadParameter(unknown[0], "不支持的字段", f"unsupported member (use {', '.join(sorted(BODY_KEYS))})")
    if not body.get("proposed_use"):
        raise BadParameter("proposed_use", f"必填，可选 {', '.join(rules.USES)}", f"required; one of {', '.join(rules.USES)}")
    use = check_proposed_use(body["proposed_use"])
    low = _number(body.get("area_min_m2"), "area_min_m2", 0.0)
    high = _number(body.get("area_max_m2"), "area_max_m2", 1e12)
    if low > high:
        raise BadParameter("area_min_m2", f"最小面积 {low:g} 大于最大面积 {high:g}",
                           f"area_min_m2 {low:g} exceeds area_max_m2 {high:g}")
    weights = body.get("weights", {"key_share": 1.0, "centre": 1.0})
    if not isinstance(weights, dict) or not weights or any(k not in WEIGHTS for k in weights):
        raise BadParameter("weights", f"应为对象，键可选 {', '.join(WEIGHTS)}",
                           f"expected an object with keys from {', '.join(WEIGHTS)}")
    weights = {k: _number(v, f"weights.{k}") for k, v in weights.items()}
    if sum(weights.values()) <= 0:
        raise BadParameter("weights", "权重之和须大于 0", "the weights must add up to more than 0")
    project = body.get("project")
    if "project" in weights:
        row = conn.execute(text(sql.PROJECT_SITE_SQL), {"project": project}).first() if project else None
        if row is None or not row.located:
            raise BadParameter("project", "按项目距离打分须给出有位置的项目 id",
                               "weights.project needs the id of a located project")
    source = body.get("source", "parcels")
    if source != "parcels" and conn.execute(text(sql.USER_LAYER_SQL), {"c": source}).first() is None:
        raise BadParameter("source", f"未知的候选图层 {source!r}（parcels 或用户图层 id）", f"unknown candidate layer {source!r}")
    limit = body.get("limit", 20)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise BadParameter("limit", f"应为 1–{MAX_LIMIT} 的整数", f"expected an integer 1–{MAX_LIMIT}")
    return {"use": use, "low": low, "high": high, "weights": weights, "project": project, "source": source,
            "unit": body.get("unit") or None, "limit": limit,
            "exclude_verdicts": _names(body, "exclude_verdicts", EXCLUDABLE_VERDICTS, ["non_compliant", "outside"]),
            "exclude_zones": _names(body, "exclude_zones", EXCLUDABLE_ZONES, [])}


def scored(row, weights: dict) -> dict:
    """One candidate as ranked by the query: its parts (raw value, weight, normalised part) and score."""
    raw = {"key_share": row.key_share, "centre": row.centre_m, "project": row.project_m}
    part = {"key_share": row.key_part, "centre": row.centre_part, "project": row.project_part}
    shown = {k: {"weight": w, "raw": None if raw[k] is None else round(float(raw[k]), 4),
                 "part": round(float(part[k]), 6)} for k, w in weights.items()}
    return {"id": row.id, "label": row.label, "synthetic": bool(row.synthetic), "area_m2": round(float(row.area_m2), 2),
            "score": round(float(row.score), 6), "parts": shown, "wkb": bytes(row.wkb)}


def _excluded(report: dict, req: dict) -> str | None:
    if report["verdict"]["code"] in req["exclude_verdicts"]:
        return f"verdict:{report['verdict']['code']}"
    for zone in report["function_zones"]:
        if zone["level"] in req["exclude_zones"]:
            return f"zone:{zone['level']}"
    return None


PART_ZH = {"key_share": "重点开发区占比", "centre": "距城区人民政府（老城中心）", "project": "距指定项目"}


def _reason(c: dict, report: dict) -> str:
    bits = [f"初筛{report['verdict']['zh']}"]
    for k, p in c["parts"].items():
        if k == "key_share":
            bits.append(f"{PART_ZH[k]} {p['raw'] * 100:.1f}%")
        else:
            bits.append(f"{PART_ZH[k]} {p['raw']:,.0f} 米")
    bits.append(f"面积 {c['area_m2']:,.0f} 平方米，得分 {c['score']:.3f}")
    if c["synthetic"]:
        bits.append(f"（{SYNTHETIC_LABEL}，非真实地籍）")
    return "；".join(bits)


def _candidate(c: dict, report: dict, rank: int) -> dict:
    verdict = report["verdict"]
    return {"rank": rank, "id": c["id"], "label": c["label"], "area_m2": c["area_m2"], "score": c["score"],
            "parts": c["parts"], "synthetic": c["synthetic"],
            "data_label": SYNTHETIC_LABEL if c["synthetic"] else None,
            "verdict": verdict, "hits": report["hits"], "function_zones": report["function_zones"],
            "schematic": verdict["schematic"], "schematic_note_zh": verdict["schematic_note_zh"],
            "schematic_note_en": verdict["schematic_note_en"], "reason_zh": _reason(c, report),
            "geometry": shapely.geometry.mapping(shapely.from_wkb(c["wkb"]))}


def _binds(req: dict) -> dict:
    w = req["weights"]
    return {"source_id": req["source"], "unit": req["unit"], "area_min": req["low"], "area_max": req["high"],
            "centre_x": OLD_TOWN_CENTRE[0], "centre_y": OLD_TOWN_CENTRE[1], "project": req["project"],
            "w_key_share": w.get("key_share", 0.0), "w_centre": w.get("centre", 0.0),
            "w_project": w.get("project", 0.0), "w_total": sum(w.values())}


def _batches(conn: Connection, req: dict):
    """Ranked candidates, best first, streamed in batches (only what the check consumes is fetched)."""
    statement = sql.candidates_sql("parcels" if req["source"] == "parcels" else "user", req["unit"] is not None)
    result = conn.execution_options(stream_results=True, yield_per=CHECK_BATCH).execute(text(statement), _binds(req))
    for rows in result.partitions(CHECK_BATCH):
        yield rows


def site_search(conn: Connection, body) -> dict:
    req = parse(conn, body)
    tune_check(conn)
    chosen, excluded, checked, considered = [], {}, 0, 0
    for rows in _batches(conn, req):
        considered = rows[0].considered
        batch = [scored(r, req["weights"]) for r in rows]
        parcels = [ParcelInput(index=i, geometry=shapely.from_wkb(c["wkb"]), crs_label="EPSG:4490")
                   for i, c in enumerate(batch)]
        for c, report in zip(batch, check_parcels(conn, parcels, req["use"])[0]):
            checked += 1
            why = _excluded(report, req)
            if why:
                excluded[why] = excluded.get(why, 0) + 1
            elif len(chosen) < req["limit"]:
                chosen.append(_candidate(c, report, len(chosen) + 1))
        if len(chosen) == req["limit"]:
            break
    return {"proposed_use": req["use"], "source": req["source"], "weights": req["weights"],
            "considered": considered, "checked": checked, "excluded": excluded, "candidates": chosen,
            "data_label": SYNTHETIC_LABEL if any(c["synthetic"] for c in chosen) else None,
            "centre": {"name": "城区人民政府", "lon": OLD_TOWN_CENTRE[0], "lat": OLD_TOWN_CENTRE[1]},
            "note_zh": "得分 = Σ 权重 × 分项（分项归一化到 0–1）÷ Σ 权重；结论即宗地初筛结论，仅供参考。",
            "note_en": "score = Σ weight × part (parts normalised to 0–1) / Σ weights; verdicts are the parcel "
                       "check's, for screening only.",
            "disclaimer_zh": rules.DISCLAIMER_ZH, "disclaimer_en": rules.DISCLAIMER_EN}


def as_rows(result: dict) -> list[dict]:
    return [{"rank": c["rank"], "id": c["id"], "label": c["label"], "area_m2": c["area_m2"], "score": c["score"],
             **{f"part_{k}": p["part"] for k, p in c["parts"].items()},
             "verdict": c["verdict"]["zh"], "verdict_code": c["verdict"]["code"], "schematic": c["schematic"],
             "data_label": c["data_label"], "reason_zh": c["reason_zh"]} for c in result["candidates"]]
