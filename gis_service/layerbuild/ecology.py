"""ecology_sites (MultiPolygon) and green_corridors (MultiLineString).

Sizes are schematic constants: the sources give no extents except the ~12 km²
of 白马寺山森林公园 (docs/DOMAIN.md, Parcel-check rules).
"""
from __future__ import annotations

from functools import lru_cache

from shapely.affinity import scale
from shapely.geometry import LineString, Point, box

from gis_service import vocab

from .admin import district_exact
from .common import (ANCHORS_FILE, GAZETTEER_FILE, area_km2, as_multilinestring, as_multipolygon,
                     buffer_m, clip_inside, disk, feature, g_diff, place, quality_for, series, slug,
                     source_ref, to_deg, to_m)
from .refs import base_props, rows

GAZ = source_ref(GAZETTEER_FILE)
BAIMASI = "白马寺山(白马寺山森林公园)"
BAIMASI_PARK_KM2 = 12.0          # provincial forest park, about 12 km²
BAIMASI_AXES = (1.0, 0.6)        # E–W ellipse, see park() for why
BAIMASI_SURROUND_M = 500.0       # 周边 ring for the restoration works
PARK_RADIUS_M = 800.0            # other forest parks: size unknown
RESERVOIR_RADIUS_M = 150.0       # schematic water body
LANDFILL_RADIUS_M = 250.0
RING_CENTRE = vocab.OLD_TOWN_CENTRE  # 城区人民政府, a real anchor point
RING_RADIUS_M = 4000.0

RIVERS = {"白水河": "白水河", "书院河": "书院河", "北石店河": "北石店河"}
UNLOCATED = {
    "人民水库": "gazetteer row is a placeholder ('NO location found'); not drawn, and "
                "therefore not in 禁止开发区 (SOURCES.md)",
    "玉屏山治理工程": "玉屏山 has no location ('NO location found' in the gazetteer)",
    "南部山体环城森林公园": "the plan names only 'the southern hills'; no extent or site given",
}


@lru_cache(maxsize=1)
def park() -> object:
    """白马寺山森林公园: 12 km² ellipse centred on the placed summit, clipped to 城区.

    E–W long axis so that a 12 km² shape centred 4 km north of town does not
    cover the communities placed 1.7–1.9 km south of the summit (古书院, 北闫庄);
    the real outline is unknown. Scaled until the clipped area is 12.0 km².
    """
    c = to_m(place(BAIMASI).point)
    district = district_exact()

    def shape_for(k: float):
        ell = scale(c.buffer(1000.0, quad_segs=16), BAIMASI_AXES[0] * k, BAIMASI_AXES[1] * k)
        return clip_inside(to_deg(ell), district)

    lo, hi = 0.5, 5.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if area_km2(shape_for(mid)) < BAIMASI_PARK_KM2 else (lo, mid)
    return as_multipolygon(shape_for(round(hi, 6)))


def reservoir(name: str):
    p = place(name)
    return as_multipolygon(clip_inside(disk(p.lon, p.lat, RESERVOIR_RADIUS_M), district_exact()))


@lru_cache(maxsize=None)
def river(name: str):
    pts = series(RIVERS[name])
    line = LineString([(p.lon, p.lat) for p in pts])
    return as_multilinestring(clip_inside(line, district_exact()))


def _site(row, geom, basis, rowname=None, note=None, quality=None):
    conf = place(rowname).confidence if rowname else None
    props = base_props(row)
    return feature(
        geom, id=slug(row["name"]), **props, geometry_quality=quality or quality_for(conf),
        location_basis=basis, confidence=conf, gazetteer_row=rowname, note=note,
        source=(f"{GAZ} row '{rowname}' ({conf}); schematic extent" if rowname
                else "plan text only"))


def _disk_site(row, rowname, radius, note):
    p = place(rowname)
    geom = as_multipolygon(clip_inside(disk(p.lon, p.lat, radius), district_exact()))
    return _site(row, geom, "gazetteer", rowname, note)


def ecology_features() -> list[dict]:
    out = []
    pk = park()
    north = box(-180, place(BAIMASI).lat, 180, 90)
    for row in rows("ecology_sites"):
        n = row["name"]
        if n in UNLOCATED:
            out.append(_site(row, None, "unlocated", note=UNLOCATED[n], quality="schematic"))
        elif n == "白马寺山森林公园":
            out.append(_site(row, pk, "gazetteer", BAIMASI,
                             f"{BAIMASI_PARK_KM2:g} km² ellipse (E–W) centred on the placed "
                             "summit; real outline unknown"))
        elif n == "白马寺山后山采煤沉陷区治理工程":
            g = as_multipolygon(clip_inside(pk.intersection(north), district_exact()))
            out.append(_site(row, g, "area_hint", BAIMASI,
                             "后山 (back of the mountain) drawn as the park north of the "
                             "placed summit; subsidence extent unknown"))
        elif n == "白马寺山周边生态修复工程":
            ring = clip_inside(g_diff(buffer_m(pk, BAIMASI_SURROUND_M), pk), district_exact())
            out.append(_site(row, as_multipolygon(ring), "area_hint", BAIMASI,
                             f"周边 drawn as a {BAIMASI_SURROUND_M:g} m ring round the park"))
        elif n == "花园头水库":
            out.append(_site(row, reservoir(n), "gazetteer", n,
                             f"schematic water body, radius {RESERVOIR_RADIUS_M:g} m"))
        elif n == "苇匠生活垃圾填埋场封场环境整治工程":
            out.append(_disk_site(row, "苇匠物流园/苇匠生活垃圾填埋场", LANDFILL_RADIUS_M,
                                  f"schematic {LANDFILL_RADIUS_M:g} m disc at the placed landfill"))
        else:
            rowname = {"旗道岭森林公园": "旗道岭(旗道岭森林公园)",
                       "凤还巢森林公园": "凤还巢(凤还巢森林公园)",
                       "吴王山森林公园": "吴王山(吴王山森林公园)"}[n]
            out.append(_disk_site(row, rowname, PARK_RADIUS_M,
                                  f"schematic {PARK_RADIUS_M:g} m disc; park extent unknown"))
    return out


def greenway():
    a, b = place(BAIMASI), place("吴王山(吴王山森林公园)")
    line = LineString([(a.lon, a.lat), (b.lon, b.lat)])
    return as_multilinestring(clip_inside(line, district_exact()))


def ring():
    c = to_m(Point(*RING_CENTRE))
    circle = to_deg(c.buffer(RING_RADIUS_M, quad_segs=32).exterior)
    return as_multilinestring(clip_inside(circle, district_exact()))


def corridor_features() -> list[dict]:
    out = []
    for row in rows("green_corridors"):
        n, props = row["name"], base_props(row)
        common = dict(id=slug(n), **props, geometry_quality="schematic")
        if n in RIVERS:
            pts = series(RIVERS[n])
            out.append(feature(
                river(n), **common, location_basis="gazetteer", confidence="low",
                gazetteer_row=f"{n} pt1..pt{len(pts)}",
                source=f"{GAZ} rows '{n} pt1'..'pt{len(pts)}' (low), joined in order, clipped to 城区",
                note=("course assumed (gazetteer README)" if n != "白水河" else
                      "course from 泽州百科 via gazetteer; one point lies just outside the "
                      "outline, so the clipped line has gaps")))
        elif n == "白马寺山—吴王山生态绿道":
            out.append(feature(
                greenway(), **common, location_basis="gazetteer", confidence="low",
                gazetteer_row=f"{BAIMASI}; 吴王山(吴王山森林公园)",
                source=f"{GAZ}: straight line between the two placed hills",
                note="route not given by the plan; straight schematic link"))
        else:  # 环城生态圈
            out.append(feature(
                ring(), **common, location_basis="area_hint", confidence=None, gazetteer_row=None,
                source=f"{source_ref(ANCHORS_FILE)} 城区人民政府 as centre; schematic ring",
                note=(f"'环城' drawn as a {RING_RADIUS_M / 1000:g} km circle round the 城区 "
                      "government, clipped to 城区; the real belt is not mapped")))
    return out
