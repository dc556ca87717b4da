"""Turn one row of the check query into a report: hits, severities, shares, verdict."""
from __future__ import annotations

from typing import Any

from gis_service.services.parcel_check import rules
from gis_service.vocab import UNDESIGNATED, UNDESIGNATED_ZONE_ZH, collection_title
from gis_service.services.parcel_check.geometry_input import ParcelInput

M2_PER_MU = 10000 / 15  # 1 亩 = 666.67 m²
DISTANCE_KINDS = {"river": ("河流", "river"), "reservoir": ("水库", "reservoir"),
                  "forest_park": ("森林公园", "forest park"), "green_corridor": ("绿道", "green corridor")}


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def is_boundary_touch(overlap_m2: float, parcel_m2: float) -> bool:
    return overlap_m2 < rules.BOUNDARY_TOUCH_M2 or (
        overlap_m2 < rules.MINOR_SHARE * parcel_m2 and overlap_m2 < rules.MINOR_M2)


def build_report(row: Any, context: dict, parcel: ParcelInput, proposed_use: str | None) -> dict:
    point = parcel.is_point
    area = 0.0 if point else float(row["area_m2"])
    overlaps = list(row["overlaps"])
    district = next((o for o in overlaps if o["layer"] == "admin_units" and o["kind"] == "district"), None)
    inside_m2 = (0.0 if district is None else float(district["overlap_m2"])) if not point else None
    outside = district is None if point else (district is None or is_boundary_touch(inside_m2, area))
    hits = [] if outside else _polygon_hits(overlaps, area, point, proposed_use)
    hits += [] if outside else _buffer_hits(row["distances"], hits, proposed_use)
    report = {
        "kind": "point" if point else "parcel",
        "input": _input_section(row, parcel, proposed_use),
        "area": None if point else {"m2": _r(area), "ha": _r(area / 10000, 4), "mu": _r(area / M2_PER_MU, 3)},
        "planning_area": _planning_area(area, inside_m2, outside, point, row["district_distance_m"]),
        "admin_units": _shares(overlaps, "admin_units", area, point, exclude_kind="district"),
        "sub_areas": _shares(overlaps, "sub_areas", area, point),
        "function_zones": _zone_shares(overlaps, area, inside_m2, point, outside),
        "hits": sorted(hits, key=lambda h: (-rules.SEVERITY_RANK[h["severity"]], h["type"],
                                            -(h["overlap_m2"] or 0), h["distance_m"] or 0)),
        "distances": _distances(row["distances"]),
        "nearby": _nearby(row["nearby"]),
    }
    report["verdict"] = _verdict(report, outside)
    report["caveats"] = _caveats(report, context, parcel)
    report.update(disclaimer_zh=rules.DISCLAIMER_ZH, disclaimer_en=rules.DISCLAIMER_EN,
                  basis=rules.PLAN_LABEL, data_versions=context["data_versions"])
    return report


def _input_section(row: Any, parcel: ParcelInput, proposed_use: str | None) -> dict:
    use = rules.USES.get(proposed_use) if proposed_use else None
    return {
        "crs": parcel.crs_label, "geometry_type": parcel.geometry.geom_type,
        "representative_point": [_r(row["lon"], 7), _r(row["lat"], 7)],
        "proposed_use": proposed_use, "proposed_use_zh": use[0] if use else None,
        "repaired": parcel.repaired, "repair_reason": parcel.repair_reason,
        "properties": parcel.properties,
    }


def _planning_area(area: float, inside_m2: float | None, outside: bool, point: bool,
                   distance_m: float | None) -> dict:
    if point:
        return {"inside": not outside, "distance_m": _r(distance_m)}
    outside_m2 = max(area - (inside_m2 or 0.0), 0.0)
    share = 1.0 if outside else (0.0 if is_boundary_touch(outside_m2, area) else outside_m2 / area)
    return {"inside": not outside, "inside_m2": _r(inside_m2), "outside_m2": _r(outside_m2),
            "outside_share": _r(share, 6), "outside_percent": _r(share * 100, 3),
            "distance_m": _r(distance_m)}


def _shares(overlaps: list, layer: str, area: float, point: bool, exclude_kind: str | None = None) -> list:
    out = []
    for o in overlaps:
        if o["layer"] != layer or o["kind"] == exclude_kind:
            continue
        m2 = float(o["overlap_m2"])
        if not point and is_boundary_touch(m2, area):
            continue
        out.append({"id": o["id"], "name": o["name"], "level": o["kind"],
                    "overlap_m2": None if point else _r(m2), "share": 1.0 if point else _r(m2 / area, 6),
                    "percent": 100.0 if point else _r(m2 / area * 100, 3),
                    "geometry_quality": o["geometry_quality"]})
    return sorted(out, key=lambda s: -(s["share"] or 0))


def _zone_shares(overlaps: list, area: float, inside_m2: float | None, point: bool, outside: bool) -> list:
    zones = _shares(overlaps, "function_zones", area, point)
    if outside:
        return zones
    covered = sum(z["overlap_m2"] or 0 for z in zones) if not point else (1.0 if zones else 0.0)
    rest = (1.0 - covered) if point else max((inside_m2 or 0) - covered, 0.0)
    if (point and rest > 0) or (not point and not is_boundary_touch(rest, area)):
        zones.append({"id": None, "name": f"规划{UNDESIGNATED_ZONE_ZH}", "name_en": UNDESIGNATED[1],
                      "level": None, "overlap_m2": None if point else _r(rest),
                      "share": 1.0 if point else _r(rest / area, 6),
                      "percent": 100.0 if point else _r(rest / area * 100, 3), "geometry_quality": None})
    return zones


def _rule_for(row: dict) -> rules.Rule | None:
    if row["layer"] == "function_zones":
        return rules.ZONE_RULES.get(row["kind"])
    if row["layer"] == "urban_village_sites":
        return rules.SITE_RULES["urban_village"]
    if row["layer"] == "ecology_sites":
        return rules.SITE_RULES.get(row["kind"], rules.SITE_RULES["eco_restoration"])
    return None


def _hit(row: dict, *, type_: str, severity: str, rule_zh: str, rule_en: str, basis: str,
         overlap_m2: float | None = None, percent: float | None = None, distance_m: float | None = None,
         potential: bool = False, boundary_touch: bool = False, uses: dict | None = None,
         decided_by_use: str | None = None) -> dict:
    return {"layer": row["layer"], "layer_title": collection_title(row["layer"]),
            "layer_title_en": collection_title(row["layer"], "en"),
            "feature_id": row["id"], "feature": row["name"], "kind": row["kind"], "type": type_,
            "overlap_m2": _r(overlap_m2), "percent": _r(percent, 3), "distance_m": _r(distance_m),
            "severity": severity, "severity_zh": rules.SEVERITY_ZH[severity], "potential": potential,
            "boundary_touch": boundary_touch, "rule_zh": rule_zh, "rule_en": rule_en, "basis": basis,
            "plan_ref": row.get("plan_ref"), "geometry_quality": row["geometry_quality"],
            "uses_that_change": uses or {}, "decided_by_use": decided_by_use}


def _polygon_hits(overlaps: list, area: float, point: bool, use: str | None) -> list[dict]:
    hits = []
    for o in overlaps:
        rule = _rule_for(o)
        if rule is None:
            continue
        m2 = float(o["overlap_m2"])
        touch = not point and is_boundary_touch(m2, area)
        severity = "info" if touch else rules.severity_for(rule, use)
        prefix_zh, prefix_en = ("边界接触：", "Boundary touch: ") if touch else ("", "")
        hits.append(_hit(o, type_="polygon", severity=severity, rule_zh=prefix_zh + rule.rule_zh,
                         rule_en=prefix_en + rule.rule_en, basis=rule.basis,
                         overlap_m2=None if point else m2, percent=None if point else m2 / area * 100,
                         boundary_touch=touch,
                         uses={} if (touch or use) else rules.uses_that_change(rule),
                         decided_by_use=use if (use and rule.column and not touch) else None))
    return hits


def _buffer_hits(distances: list, polygon_hits: list[dict], use: str | None) -> list[dict]:
    material = {(h["layer"], h["feature_id"]) for h in polygon_hits if not h["boundary_touch"]}
    hits = []
    for d in distances:
        kind = d["kind"]
        zoned = kind in ("river", "reservoir") and (d["zoned_fraction"] or 0) >= rules.ZONED_FRACTION
        if kind == "green_corridor" or (zoned and d["inside_zone"]) or d["inside_feature"]:
            continue
        if (d["layer"], d["id"]) in material:
            continue  # inside the polygon already: its own hit, never counted twice
        if zoned:
            buffers, distance = rules.BUFFERS[f"zoned_{kind}"], float(d["zone_distance_m"])
        else:
            buffers, distance = rules.BUFFERS[kind], float(d["distance_m"])
        for buffer in buffers:  # in order of distance: the first band that holds the parcel
            if distance <= buffer.high_m:
                hits.append(_hit(d, type_="buffer", severity="review", rule_zh=buffer.rule_zh,
                                 rule_en=buffer.rule_en, basis=buffer.basis, distance_m=distance,
                                 potential=True))
                break
    return hits


def _distances(distances: list) -> dict:
    nearest: dict[str, dict] = {}
    for d in distances:
        kind = d["kind"]
        if kind not in DISTANCE_KINDS:
            continue
        if kind not in nearest or d["distance_m"] < nearest[kind]["distance_m"]:
            nearest[kind] = d
    out = {}
    for kind, (zh, en) in DISTANCE_KINDS.items():
        d = nearest.get(kind)
        out[kind] = None if d is None else {
            "feature_id": d["id"], "feature": d["name"], "layer": d["layer"], "label": zh, "label_en": en,
            "distance_m": _r(d["distance_m"]), "geometry_quality": d["geometry_quality"],
            "beyond_prohibited_zone_m": _r(d["zone_distance_m"])
            if (d["zoned_fraction"] or 0) >= rules.ZONED_FRACTION else None}
    return out


def _nearby(rows: list) -> dict:
    out: dict[str, list] = {"projects": [], "urban_village_sites": []}
    for n in rows:
        out[n["layer"]].append({"id": n["id"], "name": n["name"], "category": n["category"],
                                "distance_m": _r(n["distance_m"]), "status": n["status"],
                                "geometry_quality": n["geometry_quality"],
                                "location_basis": n["location_basis"]})
    return out


def _verdict(report: dict, outside: bool) -> dict:
    hits = report["hits"]
    if outside:
        zh, en = rules.VERDICTS["outside"]
        return {"code": "outside", "zh": zh, "en": en, "severity": None, "reasons": [],
                "outside_share": 1.0 if report["kind"] == "parcel" else None,
                "schematic": False, "schematic_note_zh": None, "schematic_note_en": None,
                "text_zh": f"初筛结论：{zh}（地块不在城区规划范围内）",
                "text_en": f"Screening verdict: {en} (the parcel lies outside 城区)"}
    severity = rules.worst(h["severity"] for h in hits)
    code = rules.VERDICT_BY_SEVERITY[severity]
    zh, en = rules.VERDICTS[code]
    deciding = [h for h in hits if h["severity"] == severity] if severity in ("review", "conflict") else hits
    schematic = not deciding or any(h["geometry_quality"] == "schematic" for h in deciding)
    # A compliant verdict still names the proposed use when the use is what made it compliant.
    explained = deciding if severity in ("review", "conflict") else [h for h in hits if h["decided_by_use"]]
    reasons = [_reason(h) for h in explained]
    share = report["planning_area"].get("outside_share") or 0.0
    text_zh, text_en = f"初筛结论：{zh}", f"Screening verdict: {en}"
    if share > 0:
        text_zh += f"（另有 {share * 100:.1f}% 位于城区规划范围外）"
        text_en += f" ({share * 100:.1f}% of the parcel lies outside 城区)"
    return {"code": code, "zh": zh, "en": en, "severity": severity, "reasons": reasons,
            "outside_share": share if report["kind"] == "parcel" else None, "schematic": schematic,
            "schematic_note_zh": rules.SCHEMATIC_NOTE_ZH if schematic else None,
            "schematic_note_en": rules.SCHEMATIC_NOTE_EN if schematic else None,
            "text_zh": text_zh, "text_en": text_en}


def _reason(hit: dict) -> dict:
    if hit["type"] == "polygon" and hit["overlap_m2"] is not None:
        zh = f"{hit['feature']}：重叠 {hit['overlap_m2']:,.0f} 平方米（{hit['percent']:.1f}%）"
        en = f"{hit['feature']}: overlap {hit['overlap_m2']:,.0f} m² ({hit['percent']:.1f}%)"
    elif hit["type"] == "polygon":
        zh, en = f"位于{hit['feature']}内", f"inside {hit['feature']}"
    else:
        zh = f"{hit['feature']}：相距 {hit['distance_m']:,.1f} 米（缓冲区筛查，潜在）"
        en = f"{hit['feature']}: {hit['distance_m']:,.1f} m away (screening buffer, potential)"
    if hit["decided_by_use"]:
        use_zh, use_en = rules.use_clause(hit["decided_by_use"], hit["severity"])
        zh, en = f"{zh}；{use_zh}", f"{en}; {use_en}"
    return {"zh": zh, "en": en, "severity": hit["severity"], "geometry_quality": hit["geometry_quality"]}


def _caveats(report: dict, context: dict, parcel: ParcelInput) -> list[dict]:
    caveats = []
    for f in context["unlocated"]:
        caveats.append({"zh": f"{f['name']}位置不详（图层中无几何），无法参与初筛；其保护范围未绘出，"
                              f"即使地块位于其附近也不会产生命中。",
                        "en": f"{f['name']} has no location (null geometry), so it cannot produce hits; "
                              f"its protection area is not drawn."})
    caveats.append({"zh": "河道管理范围、饮用水水源保护区等法定范围图层缺失，以缓冲距离筛查，命中标记为“潜在”（potential），"
                          "最高为“需论证”。",
                    "en": "Statutory river-management and water-source protection polygons are missing; "
                          "screening buffers stand in for them, flagged potential and at most review."})
    if context.get("projects_without_site"):
        caveats.append({"zh": f"{context['projects_without_site']} 个规划项目无确切位置"
                              "（未定位或仅按所在区域示意），未列入周边项目。",
                        "en": f"{context['projects_without_site']} plan projects have no site of their own "
                              "(unlocated, or placed at an area's representative point) and are not listed nearby."})
    undesignated = next((z for z in report["function_zones"] if z["id"] is None), None)
    if undesignated:
        caveats.append({"zh": f"{undesignated['percent']:.1f}% 位于规划未划定主体功能区的区域；规划未作划定，不作推断。",
                        "en": f"{undesignated['percent']:.1f}% lies where the plan designates no functional zone; "
                              "no class is inferred."})
    if parcel.repair_reason:
        caveats.append({"zh": f"输入几何无效（{parcel.repair_reason}），已按 repair=true 用 ST_MakeValid 修复后检查。",
                        "en": f"The input geometry was invalid ({parcel.repair_reason}) and was repaired with "
                              "ST_MakeValid (repair=true) before the check."})
    return caveats
