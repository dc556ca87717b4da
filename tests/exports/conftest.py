"""Small in-memory layers shaped like the plan collections (EPSG:4490 lon/lat)."""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pytest
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon

from gis_service.services.exports import export_frame

# Full-precision coordinates: a writer that rounds shows up in the 1e-7° checks.
X0, Y0 = 112.851234567891, 35.498765432109


def square(x: float, y: float, size: float = 0.01) -> Polygon:
    return Polygon([(x, y), (x + size, y), (x + size, y + size), (x, y + size)])


@pytest.fixture
def projects() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "id": ["p1", "p2", "p3", "p4"],
        "name": ["白马寺山森林公园", "城区物流园", "=HYPERLINK(\"http://x\")", "+1 测试"],
        "category": ["ecology", "logistics", "road", "road"],
        "note": ["示意位置", "无位置", "-5", "@SUM(A1)"],
        "percent_complete": [12.5, -3.25, 0.0, None],
        "geometry_quality": ["schematic", "none", "schematic", "schematic"],
        "properties": [{"专栏": 6, "tags": ["绿道"]}, None, [1, 2], {}],
        "updated_at": [dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)] * 4,
    }, geometry=[Point(X0, Y0), None, Point(X0 + 0.02, Y0 - 0.01), Point(X0 - 0.03, Y0 + 0.02)],
        crs="EPSG:4490")


ZONE_STYLE = {
    "color": "#616161", "fill_color": "#616161", "fill_opacity": 0.35, "weight": 2,
    "dash_array": None, "hatch": False, "style_by": "zone_class",
    "classes": {
        "optimized": {"color": "#E53935", "fill_color": "#E53935", "fill_opacity": 0.35,
                      "label": "优化开发区"},
        "key": {"color": "#FB8C00", "fill_color": "#FB8C00", "fill_opacity": 0.35},
        "restricted": {"color": "#7CB342", "fill_color": "#7CB342", "fill_opacity": 0.4},
        "prohibited": {"color": "#1B5E20", "fill_color": "#1B5E20", "fill_opacity": 0.5,
                       "hatch": True, "label": "禁止开发区"},
    },
}


@pytest.fixture
def zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "id": ["z1", "z2", "z3"],
        "name": ["优化开发区", "禁止开发区", "未划定"],
        "zone_class": ["optimized", "prohibited", None],
    }, geometry=[MultiPolygon([square(X0, Y0), square(X0 + 0.02, Y0)]),
                 square(X0, Y0 + 0.02),  # a plain Polygon among MultiPolygons: promoted
                 MultiPolygon([square(X0 - 0.02, Y0 - 0.02)])],
        crs="EPSG:4490")


@pytest.fixture
def corridors() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({
        "id": ["c1", "c2"], "name": ["白水河", "环城绿道"], "category": ["river", "greenway"],
    }, geometry=[MultiLineString([LineString([(X0, Y0), (X0 + 0.05, Y0 + 0.01)])]),
                 MultiLineString([LineString([(X0, Y0 + 0.03), (X0 + 0.04, Y0 + 0.05)])])],
        crs="EPSG:4490")


@pytest.fixture
def export():
    """export_frame, with every result cleaned up after the test."""
    results = []

    def run(*args, **kwargs):
        result = export_frame(*args, **kwargs)
        results.append(result)
        return result

    yield run
    for result in results:
        result.cleanup()
