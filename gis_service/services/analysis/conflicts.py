"""The plan-wide conflict register: the parcel check's rule table applied to every plan feature.

Each measured pair (``queries.plan_analysis_conflicts``) becomes at most one hit, decided exactly
as the parcel check decides a parcel's hit: material overlap / containment → the zone's or site's
rule at the feature's proposed use; otherwise the first screening band that holds it (potential,
review). Hits of severity review or conflict are registered; the register keeps each appearance as
a row (first seen, last seen, closed), and feeds the warning register, one warning per feature.
"""
from __future__ import annotations

import json

from sqlalchemy import Connection

from gis_service.queries import plan_analysis_conflicts as sql
from gis_service.services.analysis import conflict_rules as cr
from gis_service.services.parcel_check import rules
from gis_service.services.parcel_check.report import is_boundary_touch

SITE_KINDS = ("reservoir", "forest_park")
ZONE_KINDS = ("prohibited", "restricted")
LINE_TOUCH_M = 1.0  # a line inside a polygon for less than this is a boundary touch


def _material(row) -> bool:
    if row["dim"] == 0:
        return bool(row["covered"])
    if row["dim"] == 1:
        return float(row["length_m"]) >= LINE_TOUCH_M
    return not is_boundary_touch(float(row["overlap_m2"]), float(row["subject_m2"] or 0))


def _buffer(row) -> tuple[rules.Buffer, float] | None:
    """The parcel check's screening band for a pair that is not a material overlap."""
    kind = row["o_kind"]
    if kind == "restricted":
        bands, distance = rules.BUFFERS["restricted_zone"], float(row["distance_m"])
    elif kind in ("river", "reservoir") and (row["zoned_fraction"] or 0) >= rules.ZONED_FRACTION:
        if row["inside_zone"]:
            return None  # inside the 禁止开发区 drawn round it: that zone's own hit
        bands, distance = rules.BUFFERS[f"zoned_{kind}"], float(row["zone_distance_m"])
    elif kind in ("river", "reservoir", "forest_park"):
        bands, distance = rules.BUFFERS[kind], float(row["distance_m"])
    else:
        return None
    return next(((b, distance) for b in bands if distance <= b.high_m), None)


def _measures(row, material: bool, band_distance: float | None) -> dict:
    """Overlap m² and share (areas), length inside and share (lines), or the screening distance."""
    distance = None if material else round(band_distance, 2)
    if row["dim"] == 2:
        area = float(row["subject_m2"] or 0)
        m2 = float(row["overlap_m2"])
        return {"overlap_m2": round(m2, 2), "share": round(m2 / area, 6) if area else None,
                "length_m": None, "distance_m": distance}
    if row["dim"] == 1:
        total = float(row["subject_length_m"] or 0)
        length = float(row["length_m"])
        return {"overlap_m2": None, "share": round(length / total, 6) if total else None,
                "length_m": round(length, 2), "distance_m": distance}
    return {"overlap_m2": None, "share": 1.0 if material else None, "length_m": None,
            "distance_m": 0.0 if material else distance}


def evaluate(row) -> dict | None:
    """The register entry of one measured pair, or None (no hit, or below review)."""
    kind = row["o_kind"]
    if (row["collection"], row["id"], kind) in cr.DERIVED_PAIRS:
        return None
    use = cr.proposed_use(row["collection"], row["category"], row["user_use"], row["is_user"])
    material = kind != "river" and _material(row)
    band_distance = None
    if material:
        rule = rules.ZONE_RULES[kind] if kind in ZONE_KINDS else rules.SITE_RULES[kind]
        severity, rule_id, hit_type = rules.severity_for(rule, use), f"{kind}", "polygon"
        rule_zh, rule_en, basis = rule.rule_zh, rule.rule_en, rule.basis
    else:
        found = _buffer(row)
        if found is None:
            return None
        band, band_distance = found
        severity, rule_id, hit_type = "review", f"buffer:{band.kind}", "buffer"
        rule_zh, rule_en, basis = band.rule_zh, band.rule_en, band.basis
    if severity not in cr.REGISTERED:
        return None
    return _entry(row, use, severity, rule_id, hit_type, (rule_zh, rule_en, basis), _measures(row, material, band_distance))


def _entry(row, use, severity, rule_id, hit_type, texts, measures) -> dict:
    rule_zh, rule_en, basis = texts
    subject, obj = f"{row['collection']}/{row['id']}", f"{row['o_collection']}/{row['o_id']}"
    schematic = "schematic" in (row["geometry_quality"], row["o_quality"])
    inconsistency = not row["is_user"] and hit_type == "polygon"
    detail = {"rule_zh": rule_zh, "rule_en": rule_en, "basis": basis, "severity_zh": rules.SEVERITY_ZH[severity],
              "potential": hit_type == "buffer", "subject_plan_ref": row["plan_ref"],
              "object_plan_ref": row["o_plan_ref"], "object_kind": row["o_kind"],
              "distance_to_feature_m": round(float(row["distance_m"]), 2),
              "subject_geometry_quality": row["geometry_quality"], "object_geometry_quality": row["o_quality"],
              "caveat_zh": rules.SCHEMATIC_NOTE_ZH if schematic else None,
              "caveat_en": rules.SCHEMATIC_NOTE_EN if schematic else None}
    if inconsistency:
        detail["inconsistency_zh"] = (f"规划自身不一致：{row['plan_ref'] or '规划'}所列“{row['name']}”"
                                      f"位于{row['o_name']}内（{rules.SEVERITY_ZH[severity]}）")
        detail["inconsistency_en"] = (f"The plan contradicts itself: {row['plan_ref'] or 'the plan'} places "
                                      f"{row['name']} inside {row['o_name']} ({severity})")
    return {"conflict_key": f"{rule_id}|{subject}|{obj}", "rule": rule_id, "hit_type": hit_type,
            "severity": severity, "subject_collection": row["collection"], "subject_id": row["id"],
            "subject_name": row["name"], "object_collection": row["o_collection"], "object_id": row["o_id"],
            "object_name": row["o_name"], "proposed_use": use, **measures, "inconsistency": inconsistency,
            "detail": json.dumps(detail, ensure_ascii=False), "wkb": bytes(row["wkb"])}


def current_conflicts(conn: Connection, subjects: list[str] | None = None) -> list[dict]:
    reach = {kind: cr.reach_m(kind) for kind in cr.PAIRS}
    sited = [c for c in cr.SITED if c != "user"]
    rows = sql.fetch_pairs(conn, subjects, with_user="user" in cr.SITED, reach=reach,
                           zone_kinds=list(ZONE_KINDS), sited=sited)
    return [e for e in (evaluate(r) for r in rows) if e is not None]
