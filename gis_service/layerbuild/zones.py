"""function_zones, sub_areas and agri_areas, all derived from the admin partition."""
from __future__ import annotations

from functools import lru_cache

from shapely.geometry import box

from .admin import district_exact, partition, unit_names
from .common import (INSET_DEG, area_km2, as_multipolygon, buffer_m, clip_inside, disk,
                     feature, g_diff, g_inter, g_union, place)
from .coverage import coverage
from .ecology import park, reservoir, river
from .refs import base_props, rows

# Dividing lines (SOURCES.md). 西北片区: the part of 西上庄 east of this meridian
# (just west of 苗匠/豪德, the westernmost urbanising places) and south of this
# parallel (the foot of 白马寺山).
XIBEI_WEST_LON = 112.800
XIBEI_NORTH_LAT = 35.535
# northern 钟家庄: north of this parallel (keeps 花园头 35.458 in; the hills of
# 凤还巢 35.452, 旗道岭 and 洞头 out).
ZHONG_NORTH_LAT = 35.455
DONGTOU_RADIUS_M = 1500.0
RESERVOIR_RING_M = 200.0
RIVER_HALF_WIDTH_M = 30.0

ZONE_ORDER = ("prohibited", "restricted", "key", "optimized")   # precedence
ZONE_META = {
    "optimized": ("optimized", "Optimized development zone"),
    "key": ("key", "Key development zone"),
    "restricted": ("restricted", "Restricted development zone"),
    "prohibited": ("prohibited", "Prohibited development zone"),
}


def xibei_piece():
    return as_multipolygon(g_inter(partition()["xishangzhuang"],
                                   box(XIBEI_WEST_LON, -90, 180, XIBEI_NORTH_LAT)))


def zhong_north_piece():
    return as_multipolygon(g_inter(partition()["zhongjiazhuang"],
                                   box(-180, ZHONG_NORTH_LAT, 180, 90)))


@lru_cache(maxsize=1)
def raw_zones() -> dict[str, object]:
    """Each class before precedence clipping."""
    district = district_exact()
    dongtou = place("洞头村")
    prohibited = g_inter(g_union([
        buffer_m(reservoir("花园头水库"), RESERVOIR_RING_M),
        buffer_m(river("白水河"), RIVER_HALF_WIDTH_M),
    ]), district)
    restricted = g_inter(g_union([
        park(), disk(dongtou.lon, dongtou.lat, DONGTOU_RADIUS_M)]), district)
    key = g_union([xibei_piece(), zhong_north_piece()])
    optimized = partition()["beishidian"]
    return {"prohibited": prohibited, "restricted": restricted, "key": key,
            "optimized": optimized}


@lru_cache(maxsize=1)
def zones() -> dict[str, object]:
    """Precedence 禁止 > 限制 > 重点 > 优化: clip each class by all higher ones."""
    frame = district_exact().buffer(-INSET_DEG, quad_segs=2, join_style="mitre")
    return coverage(raw_zones(), list(ZONE_ORDER), frame=frame)


ZONE_NOTES = {
    "optimized": "北石店镇 unit (以北石店镇为主体), minus higher-precedence zones",
    "key": (f"西北片区 = 西上庄 unit east of {XIBEI_WEST_LON}°E and south of "
            f"{XIBEI_NORTH_LAT}°N; 钟家庄北部 = 钟家庄 unit north of {ZHONG_NORTH_LAT}°N; "
            "minus higher zones"),
    "restricted": (f"白马寺山森林公园 (schematic 12 km² polygon) + {DONGTOU_RADIUS_M:g} m round "
                   "洞头生态旅游村, minus 禁止开发区"),
    "prohibited": (f"花园头水库 schematic water + {RESERVOIR_RING_M:g} m ring; 白水河 "
                   f"{RIVER_HALF_WIDTH_M:g} m either side. Left out: 人民水库 (no location in "
                   "the sources) and 水源地 (no location data)"),
}


def zone_features() -> list[dict]:
    zs = zones()
    out = []
    for row in rows("function_zones"):
        cls = row["category"]
        zid, en = ZONE_META[cls]
        out.append(feature(
            zs[cls], id=zid, **base_props(row), name_en=en, zone_class=cls,
            precedence=ZONE_ORDER.index(cls) + 1,
            geometry_quality="schematic", location_basis="area_hint",
            area_km2=round(area_km2(zs[cls]), 3),
            source="derived from admin_units / ecology_sites / green_corridors (SOURCES.md)",
            note=ZONE_NOTES[cls]))
    return out


SUB_AREAS = {
    "engine": ("zhongbu", ["dongjie", "xijie", "nanjie", "beijie", "kuangqu"],
               "Central engine area",
               "矿区街道 is not named in 专栏4; placed here as the urban unit adjoining the old town"),
    "fusion": ("dongbeibu", ["beishidian"], "North-east fusion area", None),
    "upgrade": ("xibeibu", ["xishangzhuang"], "North-west upgrade area", None),
    "coordination": ("nanbu", ["zhongjiazhuang"], "Southern coordination area", None),
}


def sub_area_features() -> list[dict]:
    parts, names = partition(), unit_names()
    out = []
    for row in rows("sub_areas"):
        sid, units, en, note = SUB_AREAS[row["category"]]
        geom = as_multipolygon(g_union(parts[u] for u in units))
        out.append(feature(
            geom, id=sid, **base_props(row), name_en=en, admin_units=units,
            admin_unit_names=[names[u] for u in units],
            geometry_quality="schematic", location_basis="gazetteer", confidence="low",
            source="union of admin_units features (schematic partition)", note=note))
    return out


AGRI = {
    "北石店景观农业区": ("beishidian", None, "whole 北石店镇 unit; farmland within it not mapped"),
    "西上庄种养农业区": ("xishangzhuang", xibei_piece,
                  "西上庄 unit minus the 西北片区 (key development) part"),
    "钟家庄养生农业区": ("zhongjiazhuang", zhong_north_piece,
                  "钟家庄 unit minus its northern (key development) part"),
}


def agri_features() -> list[dict]:
    from .common import slug
    out = []
    for row in rows("agri_areas"):
        unit, minus, note = AGRI[row["name"]]
        g = partition()[unit]
        if minus is not None:
            g = g_diff(g, minus())
        out.append(feature(
            as_multipolygon(clip_inside(g, partition()[unit])), id=slug(row["name"]), **base_props(row), admin_unit=unit,
            geometry_quality="schematic",
            location_basis="area_hint", source="admin_units partition (SOURCES.md)",
            note=note + "; agricultural land itself is not mapped"))
    return out
