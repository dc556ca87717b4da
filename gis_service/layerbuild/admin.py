"""Schematic partition of 城区 into its 8 units (no official sub-district data exists).

Method (documented in SOURCES.md):
1. Generators = each unit's seat plus the places the sources assign to that unit
   (data/README.md layout notes, plan 专栏 area headings, gazetteer reasoning).
   A unit's cell is the union of its generators' Voronoi cells, so every place
   with a stated unit falls inside that unit.
2. The four old-town 街道 and 矿区 are kept compact: their cells are cut to a
   core = convex hull of their generators buffered by CORE_BUFFER_M.
3. Everything outside those cut cells is split among 北石店镇, 西上庄 and 钟家庄
   by a Voronoi of their generators only, except that the north lobe (north of
   NORTH_LOBE_LAT) goes wholly to 北石店镇.
4. The two 连片 urban-village clusters are not split between units.
All cells are clipped to the canonical 城区 polygon, so the 8 units partition it.
"""
from __future__ import annotations

from functools import lru_cache

import shapely
from shapely.geometry import MultiPoint, Point, box

from .boundary import CHENGQU, CNMAPS_SOURCE, chengqu
from .coverage import coverage
from .common import (GAZETTEER_FILE, as_multipolygon, feature, footprint, g_diff, g_inter, g_union,
                     place, source_ref, to_deg, to_m)
from .placements import VILLAGE_ROWS

CORE_BUFFER_M = 1300.0
CLUSTER_RADIUS_M = 150.0   # urban-village footprint radius (points.py uses the same)
# The gazetteer README gives 北石店镇 the north lobe: outer land north of this parallel (just
# north of 黑龙潭, the northernmost 西上庄 place) goes to 北石店镇.
NORTH_LOBE_LAT = 35.556
PLAN_REF = "第四章第一节 专栏4 / 全文"

# id, inventory name, level, English name, role, seat row, [(member row, why)]
UNITS = [
    ("dongjie", "东街街道", "subdistrict", "Dongjie Subdistrict", "inner", "东街街道",
     [("东关社区", "README: 东街 = east half of old town + 东关"),
      ("景忠桥", "gazetteer: 景忠桥 at 东关 east gate")]),
    ("xijie", "西街街道", "subdistrict", "Xijie Subdistrict", "inner", "西街街道",
     [("西巷社区", "gazetteer: west part of old town (西街)"),
      ("景德桥社区", "README: 西街 = west half + 西关 (景德桥)"),
      ("景德桥", "plan 第三章第二节三: 西街办事处景德桥")]),
    ("nanjie", "南街街道", "subdistrict", "Nanjie Subdistrict", "inner", "南街街道", []),
    ("beijie", "北街街道", "subdistrict", "Beijie Subdistrict", "inner", "北街街道",
     [("程颢书院(古书院)", "专栏1 lists 程颢书院 under 北街; README: 北街 covers 古书院")]),
    ("kuangqu", "矿区街道", "subdistrict", "Kuangqu Subdistrict", "inner", "矿区街道", []),
    ("zhongjiazhuang", "钟家庄街道", "subdistrict", "Zhongjiazhuang Subdistrict", "outer",
     "钟家庄街道",
     [("花园头社区", "gazetteer: 钟家庄办事处花园头村"),
      ("中原街社区", "gazetteer: ex-尧头村, 钟家庄办事处"),
      ("时家岭社区", "README: 钟家庄 covers 中原街/时家岭/苇匠"),
      ("苇匠村", "README: 钟家庄 covers 中原街/时家岭/苇匠"),
      ("洞头村", "专栏2/专栏4: 钟家庄 洞头生态旅游村"),
      ("旗道岭(旗道岭森林公园)", "专栏2: 钟家庄"),
      ("凤还巢(凤还巢森林公园)", "专栏2: 钟家庄")]),
    ("xishangzhuang", "西上庄街道", "subdistrict", "Xishangzhuang Subdistrict", "outer",
     "西上庄街道",
     [("北闫庄村", "gazetteer: 西上庄办事处"),
      ("西吕匠村", "gazetteer: 0.5 km S of 西上庄办事处; 专栏8 西上庄 group"),
      ("北岩村", "gazetteer: W neighbour of 西吕匠; 专栏8 西上庄 group"),
      ("苗匠村", "gazetteer: listed among 西上庄 villages"),
      ("玉苑村", "gazetteer: listed with 西上庄 villages"),
      ("西北片区(area centroid)", "inventory: 西北片区 = the 西上庄 upgrade area (专栏4), by the old town"),
      ("黑龙潭", "gazetteer: 西上庄办事处牛山村"),
      ("白马寺山(白马寺山森林公园)", "专栏1: 白马寺 centre under 西上庄"),
      ("摩登大地农庄", "专栏2: 西上庄")]),
    ("beishidian", "北石店镇", "town", "Beishidian Town", "outer", "北石店镇",
     [("北石店村", "seat village of 北石店镇"),
      ("南石店村", "gazetteer: immediately S of 北石店"),
      ("司徒村", "专栏4: 北石店镇 radiates to 司徒村"),
      ("东王台村", "gazetteer: 北石店镇 urban village"),
      ("王台铺村", "gazetteer: 太洛路 corridor, 专栏3 王台铺 under 北石店"),
      ("大车渠村", "专栏4"), ("大张村", "专栏4"), ("徐家岭村", "专栏4"),
      ("司徒现代都市农业示范园(司徒小镇)", "专栏2: 北石店"),
      ("汇江亨通国际花卉城", "专栏2: 北石店"),
      ("北石店工业园区", "专栏3: 北石店"),
      ("北石店新区(area centroid)", "第一章第二节: 北石店新区")]),
]


def _generators() -> list[tuple[str, str, Point]]:
    """(unit id, role, point in metres), deduplicated by position."""
    seen: dict[tuple[float, float], str] = {}
    out = []
    for uid, _n, _l, _e, role, seat, members in UNITS:
        for row in [seat] + [m for m, _ in members]:
            p = place(row)
            key = (p.lon, p.lat)
            if key in seen:
                if seen[key] != uid:
                    raise ValueError(f"{row}: same position as a generator of {seen[key]}")
                continue
            seen[key] = uid
            out.append((uid, role, to_m(p.point)))
    return out


def _cells(gens, frame):
    pts = MultiPoint([g[2] for g in gens])
    cells = shapely.voronoi_polygons(pts, extend_to=frame, ordered=True)
    by_unit: dict[str, list] = {}
    for (uid, _r, _p), cell in zip(gens, cells.geoms):
        by_unit.setdefault(uid, []).append(cell)
    return {u: shapely.unary_union(cs) for u, cs in by_unit.items()}


@lru_cache(maxsize=1)
def partition() -> dict[str, object]:
    """unit id -> MultiPolygon (degrees), exactly covering chengqu()."""
    district = chengqu()
    dm = to_m(district)
    frame = box(*dm.buffer(5000).bounds)
    gens = _generators()
    inner_gens = [g for g in gens if g[1] == "inner"]
    outer_gens = [g for g in gens if g[1] == "outer"]
    core = MultiPoint([g[2] for g in inner_gens]).convex_hull.buffer(CORE_BUFFER_M, quad_segs=8)
    all_cells = _cells(gens, frame)
    outer_cells = _cells(outer_gens, frame)
    result = {}
    for uid, *_ in UNITS:
        if uid in {g[0] for g in inner_gens}:
            result[uid] = as_multipolygon(g_inter(to_deg(all_cells[uid].intersection(core)),
                                                  district))
    rest = g_diff(district, g_union(result.values()))
    x0, _y0, x1, y1 = district.bounds
    lobe = g_inter(rest, box(x0 - 1, NORTH_LOBE_LAT, x1 + 1, y1 + 1))
    for uid, *_ in UNITS:
        if uid in outer_cells:
            cell = to_deg(outer_cells[uid])
            cell = cell.union(lobe) if uid == "beishidian" else cell.difference(lobe)
            result[uid] = as_multipolygon(g_inter(cell, rest))
    result = _keep_clusters_whole(result)
    order = [u[0] for u in UNITS]
    return coverage(result, order, fill=True, frame=district)


@lru_cache(maxsize=1)
def district_exact():
    """城区 as the exact union of the 8 units (within 1e-7° of the outline)."""
    return as_multipolygon(shapely.union_all(list(partition().values())))


def majority_unit(geom, parts=None) -> str:
    parts = parts or partition()
    return max(sorted(parts), key=lambda u: parts[u].intersection(geom).area)


def _keep_clusters_whole(parts: dict) -> dict:
    """A 连片 redevelopment cluster is one site: give its whole schematic hull to
    the unit that already holds most of it, so it is not split between units."""
    district = chengqu()
    for name in sorted(VILLAGE_ROWS):
        hull = g_inter(footprint(VILLAGE_ROWS[name], CLUSTER_RADIUS_M), district)
        owner = majority_unit(hull, parts)
        for uid in list(parts):
            g = g_union([parts[uid], hull]) if uid == owner else g_diff(parts[uid], hull)
            parts[uid] = as_multipolygon(g)
    return parts


def unit_names() -> dict[str, str]:
    return {u[0]: u[1] for u in UNITS}


def unit_of(geom) -> str | None:
    """Admin unit containing a geometry's representative point."""
    if geom is None:
        return None
    pt = geom.representative_point()
    for uid, poly in sorted(partition().items()):
        if poly.covers(pt):
            return uid
    return None


def admin_features() -> list[dict]:
    feats = [feature(
        district_exact(), id="chengqu", name="城区", name_en="Chengqu District", category="district",
        level="district", admin_code=CHENGQU, plan_ref=PLAN_REF, geometry_quality="official",
        location_basis="official", source=CNMAPS_SOURCE.format(code=CHENGQU),
        note="高德 outline converted from GCJ-02; checked against the Tianditu outline (SOURCES.md)")]
    parts = partition()
    for uid, name, level, en, role, seat, members in UNITS:
        feats.append(feature(
            parts[uid], id=uid, name=name, name_en=en, category=level, level=level,
            admin_code=None, plan_ref=PLAN_REF, geometry_quality="schematic",
            location_basis="gazetteer", confidence="low", parent="chengqu",
            seat=seat, seat_confidence=place(seat).confidence,
            member_places=[m for m, _ in members],
            source=("schematic partition of the 城区 outline: Voronoi of the seat and "
                    f"member places in {source_ref(GAZETTEER_FILE)} (SOURCES.md)"),
            note=("boundary is schematic, not the statutory line; "
                  + ("kept compact around the old town" if role == "inner"
                     else "outer unit: takes the land beyond the old-town core"))))
    return feats
