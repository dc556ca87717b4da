"""A deterministic synthetic cadastre that tessellates 城区.

Voronoi cells of seeded random points (denser towards the old town), built in
EPSG:4547 so cells are isotropic, clipped to the district and returned in
EPSG:4490. Land use follows distance from the centre. It is test and benchmark
data only, and every output says 合成数据 (synthetic).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree

from gis_service.crs import get_transformer

CENTRE_4547 = (395_659.0, 3_930_674.0)  # (112.85E, 35.5N), docs/DOMAIN.md, Coordinate systems
# (code, name, weight) per ring: centre < 3 km < suburbs < 8 km < outskirts (GB/T 21010 classes).
LAND_USE_RINGS = (
    (3_000, (("0701", "城镇住宅用地", 50), ("05", "商业服务业用地", 20), ("08", "公共管理与公共服务用地", 15),
             ("0601", "工业用地", 5), ("0810", "公园与绿地", 10))),
    (8_000, (("0702", "农村宅基地", 30), ("0601", "工业用地", 20), ("0103", "旱地", 30), ("0301", "乔木林地", 20))),
    (float("inf"), (("0103", "旱地", 50), ("0301", "乔木林地", 40), ("0702", "农村宅基地", 10))),
)


@dataclass
class SyntheticParcels:
    ids: list[str]
    land_use: np.ndarray
    land_use_name: np.ndarray
    area_m2: np.ndarray
    admin_unit: list[str | None]
    geoms: np.ndarray  # MultiPolygon, EPSG:4490, lon/lat


def _points(boundary_4547, n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = boundary_4547.bounds
    shapely.prepare(boundary_4547)
    chosen: list[np.ndarray] = []
    have = 0
    while have < n:
        batch = n * 2
        dense = rng.normal(CENTRE_4547, 2_500.0, size=(batch // 2, 2))  # the built-up core
        spread = np.column_stack([rng.uniform(minx, maxx, batch - batch // 2),
                                  rng.uniform(miny, maxy, batch - batch // 2)])
        candidates = np.vstack([dense, spread])
        rng.shuffle(candidates)
        inside = candidates[shapely.contains_xy(boundary_4547, candidates[:, 0], candidates[:, 1])]
        chosen.append(inside)
        have += len(inside)
    return np.vstack(chosen)[:n]


def _land_use(distance: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    codes = np.empty(len(distance), dtype=object)
    names = np.empty(len(distance), dtype=object)
    lower = 0.0
    for upper, classes in LAND_USE_RINGS:
        mask = (distance >= lower) & (distance < upper)
        weights = np.array([w for _, _, w in classes], dtype=float)
        pick = rng.choice(len(classes), size=int(mask.sum()), p=weights / weights.sum())
        codes[mask] = np.array([c for c, _, _ in classes], dtype=object)[pick]
        names[mask] = np.array([nm for _, nm, _ in classes], dtype=object)[pick]
        lower = upper
    return codes, names


def generate(boundary_4490, units: list[tuple[str, object]], n: int, seed: int = 42) -> SyntheticParcels:
    """``units``: (name, geometry in EPSG:4490) of the admin units, for attribution."""
    rng = np.random.default_rng(seed)
    to_4547 = get_transformer("EPSG:4490", "EPSG:4547")
    to_4490 = get_transformer("EPSG:4547", "EPSG:4490")
    boundary = shapely.transform(boundary_4490, lambda xy: np.column_stack(to_4547.transform(xy[:, 0], xy[:, 1])))
    points = _points(boundary, n, rng)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=boundary,
                                                       ordered=True))
    shapely.prepare(boundary)
    inside = shapely.contains_properly(boundary, cells)
    clipped = cells.copy()
    clipped[~inside] = shapely.intersection(cells[~inside], boundary)
    # A clip can leave slivers or pieces: keep polygonal parts only, drop empties.
    clipped = np.array([shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
                        if g.geom_type != "Polygon" else g for g in clipped], dtype=object)
    keep = ~shapely.is_empty(clipped) & (shapely.area(clipped) > 1.0)
    clipped, points = clipped[keep], points[keep]
    areas = shapely.area(clipped)
    distance = np.hypot(points[:, 0] - CENTRE_4547[0], points[:, 1] - CENTRE_4547[1])
    codes, names = _land_use(distance, rng)
    lonlat = shapely.transform(clipped, lambda xy: np.column_stack(to_4490.transform(xy[:, 0], xy[:, 1])))
    lonlat = shapely.set_precision(lonlat, 1e-7)
    multi = np.array([g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in lonlat],
                     dtype=object)
    unit_names = _attribute_units(multi, units)
    ids = _parcel_codes(unit_names, units, codes)
    return SyntheticParcels(ids, codes, names, np.round(areas, 2), unit_names, multi)


def _attribute_units(geoms: np.ndarray, units: list[tuple[str, object]]) -> list[str | None]:
    tree = STRtree([g for _, g in units])
    reps = shapely.point_on_surface(geoms)
    result: list[str | None] = [None] * len(geoms)
    for point_index, unit_index in zip(*tree.query(reps, predicate="within")):
        result[point_index] = units[unit_index][0]
    return result


def _parcel_codes(unit_names: list[str | None], units: list[tuple[str, object]], codes) -> list[str]:
    """宗地编码-like: 140502 + 地籍区 (unit) + 地籍子区 + 特征码 + 5-digit sequence."""
    order = {name: i + 1 for i, (name, _) in enumerate(units)}
    counters: dict[str, int] = {}
    ids = []
    for unit, code in zip(unit_names, codes):
        district = f"{order.get(unit, 0):03d}"
        feature = "GB" if code in ("0701", "05", "08", "0601", "0810") else "JC"
        key = district + feature
        counters[key] = counters.get(key, 0) + 1
        seq = counters[key]
        ids.append(f"140502{district}{seq // 100000 + 1:03d}{feature}{seq % 100000:05d}")
    return ids
