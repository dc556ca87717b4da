"""Shared helpers: source paths, projections, rounding, feature records, output."""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import shapely
from pyproj import Transformer
from shapely.geometry import (LineString, MultiLineString, MultiPolygon, Point,
                              Polygon, mapping, shape)

PRECISION = 7            # decimals kept in the files (~1 cm)
GRID = 10.0 ** -PRECISION
CRS_URN = "urn:ogc:def:crs:EPSG::4490"
METRIC_EPSG = 4547       # CGCS2000 / 3-degree GK CM 114E (docs/DOMAIN.md, Coordinate systems)

REPO = Path(__file__).resolve().parents[2]


# The plan, inventory and gazetteer, copied into the repository unchanged
# (layers/sources/PROVENANCE.md), so a clone rebuilds layers/ on its own.
SOURCES_REL = "layers/sources"
SOURCES_DIR = REPO / SOURCES_REL
PLAN_FILE = "chengqu-13th-five-year-plan.txt"
INVENTORY_FILE = "inventory.csv"
GAZETTEER_FILE = "gazetteer.csv"
GAZETTEER_README = "gazetteer-README.md"
ANCHORS_FILE = "anchor_points.csv"


def source_ref(name: str) -> str:
    """A source file as the layers cite it: its path from the repository root."""
    return f"{SOURCES_REL}/{name}"


def read_csv(name: str) -> list[dict]:
    with open(SOURCES_DIR / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def inventory() -> tuple[dict, ...]:
    return tuple(read_csv(INVENTORY_FILE))


@dataclass(frozen=True)
class Place:
    name: str
    type: str
    lon: float
    lat: float
    confidence: str
    source: str

    @property
    def placeholder(self) -> bool:
        # README: such rows are "not locations at all"
        return "no location found" in self.source.lower()

    @property
    def point(self) -> Point:
        return Point(self.lon, self.lat)


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, Place]:
    out = {}
    for r in read_csv(GAZETTEER_FILE):
        out[r["name"]] = Place(r["name"], r["type"], float(r["lon"]), float(r["lat"]),
                               r["confidence"], r["source"])
    return out


def place(name: str) -> Place:
    return gazetteer()[name]


def series(prefix: str) -> list[Place]:
    """Ordered river/road points 'X pt1'..'X ptN'."""
    rows = [p for n, p in gazetteer().items() if n.startswith(prefix + " pt")]
    return sorted(rows, key=lambda p: int(p.name.rsplit("pt", 1)[1]))


# --- projections -------------------------------------------------------------
_FWD = Transformer.from_crs(4490, METRIC_EPSG, always_xy=True)
_INV = Transformer.from_crs(METRIC_EPSG, 4490, always_xy=True)


def to_m(geom):
    return shapely.transform(geom, lambda xy: _stack(_FWD.transform(xy[:, 0], xy[:, 1])))


def to_deg(geom):
    return shapely.transform(geom, lambda xy: _stack(_INV.transform(xy[:, 0], xy[:, 1])))


def _stack(xy):
    import numpy as np
    return np.column_stack(xy)


def disk(lon: float, lat: float, radius_m: float, segs: int = 8) -> Polygon:
    """Metric circle (4*segs vertices) around a lon/lat point, returned in degrees."""
    return to_deg(to_m(Point(lon, lat)).buffer(radius_m, quad_segs=segs))


def footprint(names, radius_m: float):
    """Schematic site: a disc per place; several places (连片) take their joint hull."""
    from shapely.geometry import MultiPoint
    discs = [to_m(place(n).point).buffer(radius_m, quad_segs=4) for n in names]
    if len(discs) == 1:
        return to_deg(discs[0])
    return to_deg(MultiPoint([c for d in discs for c in d.exterior.coords]).convex_hull)


def buffer_m(geom, dist_m: float, segs: int = 8):
    return to_deg(to_m(geom).buffer(dist_m, quad_segs=segs))


def area_km2(geom) -> float:
    return to_m(geom).area / 1e6


# --- geometry normalisation ---------------------------------------------------
def snap(geom):
    """Round to the file grid and repair, so written == tested geometry."""
    return shapely.make_valid(shapely.set_precision(geom, GRID))


# overlays snap-rounded to the file grid, so neighbours share exact edges
def g_inter(a, b):
    return shapely.intersection(a, b, grid_size=GRID)


def g_diff(a, b):
    return shapely.difference(a, b, grid_size=GRID)


def g_union(geoms):
    return shapely.union_all(list(geoms), grid_size=GRID)


# Clipped features stay this far inside their container, so that rounding to
# the grid can never push a vertex outside it (strict ST_CoveredBy holds).
INSET_DEG = 2e-7


def clip_inside(geom, container):
    return g_inter(geom, container.buffer(-INSET_DEG, quad_segs=2, join_style="mitre"))


def polys_of(geom) -> list[Polygon]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in polys_of(g)]
    return []


def lines_of(geom) -> list[LineString]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, LineString):
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in lines_of(g)]
    return []


def as_multipolygon(geom) -> MultiPolygon:
    g = snap(geom)
    parts = sorted(polys_of(g), key=lambda p: (-p.area, p.bounds))
    return MultiPolygon(parts)


def as_multilinestring(geom) -> MultiLineString:
    g = shapely.line_merge(snap(geom)) if not geom.is_empty else geom
    return MultiLineString(lines_of(g))


# --- features and output -------------------------------------------------------
REQUIRED = ("id", "name", "category", "plan_ref", "geometry_quality",
            "location_basis", "source")
QUALITIES = {"official", "approximate", "schematic"}
BASES = {"official", "gazetteer", "area_hint", "unlocated"}


def quality_for(confidence: str | None) -> str:
    # low-confidence placements are schematic (data/README.md); medium/high approximate
    return "approximate" if confidence in ("high", "medium") else "schematic"


def feature(geom, **props) -> dict:
    for k in REQUIRED:
        if not props.get(k):
            raise ValueError(f"{props.get('name')}: missing {k}")
    if props["geometry_quality"] not in QUALITIES or props["location_basis"] not in BASES:
        raise ValueError(f"{props['name']}: bad quality/basis")
    if (geom is None) != (props["location_basis"] == "unlocated"):
        raise ValueError(f"{props['name']}: null geometry iff unlocated")
    props = {k: (None if v == "" else v) for k, v in props.items()}
    return {"type": "Feature", "id": props["id"],
            "geometry": None if geom is None else mapping(geom), "properties": props}


def _round(obj):
    if isinstance(obj, float):
        r = round(obj, PRECISION)
        return 0.0 if r == 0 else r
    if isinstance(obj, (list, tuple)):
        return [_round(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _round(v) for k, v in obj.items()}
    return obj


def write_collection(out_dir: Path, cid: str, features: list[dict]) -> Path:
    ids = [f["id"] for f in features]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{cid}: duplicate ids")
    feats = sorted(features, key=lambda f: f["id"])
    for f in feats:
        if f["geometry"] is not None:
            f["geometry"] = _round(f["geometry"])
    doc = {"type": "FeatureCollection", "name": cid,
           "crs": {"type": "name", "properties": {"name": CRS_URN}},
           "features": feats}
    path = out_dir / f"{cid}.geojson"
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=None,
                      separators=(",", ":"))
    # one feature per line keeps git diffs readable; still valid JSON
    text = text.replace(',{"geometry"', ',\n{"geometry"')
    path.write_text(text + "\n", encoding="utf-8")
    return path


def geom_of(f: dict):
    return None if f["geometry"] is None else shape(f["geometry"])


# --- ids -----------------------------------------------------------------------
# polyphones pypinyin reads wrongly in these names (还巢 huán, 长亮 cháng)
SLUG_FIXES = {"还巢": "-huan-chao-", "长亮": "-chang-liang-"}


def slug(name: str) -> str:
    """ASCII slug from pinyin (pypinyin is deterministic for a given version)."""
    from pypinyin import lazy_pinyin
    for han, latin in SLUG_FIXES.items():
        name = name.replace(han, latin)
    text = "-".join(lazy_pinyin(name, errors="default"))
    text = re.sub(r"[^0-9a-zA-Z]+", "-", text).strip("-").lower()
    return re.sub(r"-{2,}", "-", text)
