"""projects, other_places (Point) and urban_village_sites (MultiPolygon)."""
from __future__ import annotations

from shapely.geometry import Point

from .admin import CLUSTER_RADIUS_M, district_exact, majority_unit, partition, unit_of
from .common import (GAZETTEER_FILE, as_multipolygon, clip_inside, feature, footprint, gazetteer,
                     place, quality_for, slug, source_ref)
from .placements import (AREA_POINTS, AREA_UNITS, OTHER_PLACES, PROJECTS,
                         VILLAGE_ROWS)
from .refs import base_props, rows

GAZ = source_ref(GAZETTEER_FILE)
VILLAGE_RADIUS_M = CLUSTER_RADIUS_M


def _point_feature(row: dict, spec: tuple) -> dict:
    kind = spec[0]
    props = base_props(row)
    if kind == "none":
        return feature(None, id=slug(row["name"]), **props,
                       geometry_quality="schematic", location_basis="unlocated",
                       confidence=None, gazetteer_row=None, admin_unit=None,
                       source="plan text only; no location", note=spec[1])
    key, note = spec[1], spec[2]
    rowname = key if kind == "gaz" else AREA_POINTS[key]
    p = place(rowname)
    if p.placeholder:
        raise ValueError(f"{row['name']}: refuses placeholder row {rowname}")
    pt = Point(p.lon, p.lat)
    if not district_exact().contains(pt):
        raise ValueError(f"{row['name']}: {rowname} outside 城区")
    unit = unit_of(pt)
    if kind == "area" and key in AREA_UNITS and unit != AREA_UNITS[key]:
        raise ValueError(f"{row['name']}: area point {rowname} not in unit {key}")
    basis = "gazetteer" if kind == "gaz" else "area_hint"
    return feature(
        pt, id=slug(row["name"]), **props,
        geometry_quality="schematic" if kind == "area" else quality_for(p.confidence),
        location_basis=basis, confidence=p.confidence, gazetteer_row=rowname,
        placed_at=None if kind == "gaz" else key, admin_unit=unit,
        source=f"{GAZ} row '{rowname}' ({p.confidence})",
        note=note if kind == "gaz" else f"representative point of '{key}'; {note}")


def project_features() -> list[dict]:
    rs = rows("projects")
    missing = {r["name"] for r in rs} ^ set(PROJECTS)
    if missing:
        raise ValueError(f"placement table out of step with inventory: {sorted(missing)}")
    return [_point_feature(r, PROJECTS[r["name"]]) for r in rs]


def other_place_features() -> list[dict]:
    rs = rows("other_places")
    missing = {r["name"] for r in rs} ^ set(OTHER_PLACES)
    if missing:
        raise ValueError(f"placement table out of step with inventory: {sorted(missing)}")
    return [_point_feature(r, OTHER_PLACES[r["name"]]) for r in rs]


def village_features() -> list[dict]:
    out = []
    gaz = gazetteer()
    for row in rows("urban_village_sites"):
        name = row["name"]
        members = VILLAGE_ROWS.get(name, (name,))
        props = base_props(row)
        common = dict(id=slug(name), **props,
                      member_rows=list(members) if len(members) > 1 else None)
        if any(gaz[m].placeholder for m in members):
            out.append(feature(
                None, **common, geometry_quality="schematic", location_basis="unlocated",
                confidence=None, admin_unit=None, gazetteer_row=None,
                source=f"{GAZ}: placeholder row only",
                note="gazetteer row says 'no location found ... treat as unknown'; not drawn"))
            continue
        fp = footprint(members, VILLAGE_RADIUS_M)
        unit = unit_of(place(members[0]).point) if len(members) == 1 else majority_unit(fp)
        geom = clip_inside(fp, partition()[unit])
        conf = min((place(m).confidence for m in members), key=["low", "medium", "high"].index)
        out.append(feature(
            as_multipolygon(geom), **common, geometry_quality="schematic",
            location_basis="gazetteer", confidence=conf, admin_unit=unit,
            gazetteer_row="; ".join(members),
            source=f"{GAZ} row(s) {', '.join(members)} ({conf})",
            note=(f"schematic {VILLAGE_RADIUS_M:g} m footprint"
                  + (" per member, joined as one 连片 hull" if len(members) > 1 else "")
                  + f", clipped to its admin unit ({unit}); real extent unknown")))
    return out
