"""CRS vocabulary, axis flags, GCJ-02/BD-09 accuracy and storage transforms."""
from __future__ import annotations

import csv

import numpy as np
import pyproj
import pytest
import shapely

from gis_service import crs
from gis_service.errors import GisError, UnknownCrs, UnsupportedCrs
from gis_service.layerbuild.common import ANCHORS_FILE, SOURCES_DIR

ANCHORS = SOURCES_DIR / ANCHORS_FILE
# 城区 bounding box with a little margin, sampled densely.
GRID_LON, GRID_LAT = np.meshgrid(np.linspace(112.70, 112.98, 57), np.linspace(35.40, 35.62, 45))
TO_4547 = pyproj.Transformer.from_crs("EPSG:4490", "EPSG:4547", always_xy=True)
ONE_CM = 0.01


def _error_metres(lon_a, lat_a, lon_b, lat_b) -> np.ndarray:
    xa, ya = TO_4547.transform(lon_a, lat_a)
    xb, yb = TO_4547.transform(lon_b, lat_b)
    return np.hypot(np.asarray(xa) - xb, np.asarray(ya) - yb)


ROUND_TRIPS = [
    (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84),
    (crs.gcj02_to_wgs84, crs.wgs84_to_gcj02),
    (crs.wgs84_to_bd09, crs.bd09_to_wgs84),
    (crs.bd09_to_wgs84, crs.wgs84_to_bd09),
    (crs.gcj02_to_bd09, crs.bd09_to_gcj02),
    (crs.bd09_to_gcj02, crs.gcj02_to_bd09),
]


@pytest.mark.parametrize("forward,inverse", ROUND_TRIPS, ids=lambda f: f.__name__)
def test_round_trip_below_one_centimetre_over_chengqu(forward, inverse):
    lon, lat = inverse(*forward(GRID_LON, GRID_LAT))
    assert _error_metres(GRID_LON, GRID_LAT, lon, lat).max() < ONE_CM


def test_gcj02_offset_is_hundreds_of_metres():
    # docs/DOMAIN.md, Coordinate systems: the obfuscation is several hundred metres in 城区.
    shift = _error_metres(GRID_LON, GRID_LAT, *crs.wgs84_to_gcj02(GRID_LON, GRID_LAT))
    assert 200 < shift.min() and shift.max() < 1000


def test_scalars_in_scalars_out_and_arrays_keep_shape():
    lon, lat = crs.gcj02_to_wgs84(112.852, 35.491)
    assert isinstance(lon, float) and isinstance(lat, float)
    lon_arr, lat_arr = crs.bd09_to_wgs84(GRID_LON, GRID_LAT)
    assert lon_arr.shape == GRID_LON.shape and lat_arr.shape == GRID_LAT.shape


def test_outside_china_is_not_shifted():
    assert crs.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert crs.gcj02_to_wgs84(2.35, 48.85) == pytest.approx((2.35, 48.85))


def _anchor_rows():
    with ANCHORS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            kind = row["source_crs"].rstrip("?")  # 'bd09?' rows state their BD-09 reading
            if kind in ("gcj02", "bd09"):
                yield pytest.param(row, kind, id=row["name"].split(" ")[0])


@pytest.mark.parametrize("row,kind", list(_anchor_rows()))
def test_anchor_points_convert_to_stated_wgs84(row, kind):
    convert = crs.gcj02_to_wgs84 if kind == "gcj02" else crs.bd09_to_wgs84
    lon, lat = convert(float(row["raw_lon"]), float(row["raw_lat"]))
    assert lon == pytest.approx(float(row["lon_wgs84"]), abs=1e-4)
    assert lat == pytest.approx(float(row["lat_wgs84"]), abs=1e-4)


@pytest.mark.parametrize(
    "value,epsg,uri",
    [
        (4490, 4490, "http://www.opengis.net/def/crs/EPSG/0/4490"),
        ("4490", 4490, "http://www.opengis.net/def/crs/EPSG/0/4490"),
        ("EPSG:4490", 4490, "http://www.opengis.net/def/crs/EPSG/0/4490"),
        ("epsg:4547", 4547, "http://www.opengis.net/def/crs/EPSG/0/4547"),
        (" EPSG:4526 ", 4526, "http://www.opengis.net/def/crs/EPSG/0/4526"),
        ("http://www.opengis.net/def/crs/EPSG/0/4490", 4490, "http://www.opengis.net/def/crs/EPSG/0/4490"),
        ("https://www.opengis.net/def/crs/EPSG/0/3857", 3857, "http://www.opengis.net/def/crs/EPSG/0/3857"),
        ("urn:ogc:def:crs:EPSG::4490", 4490, "http://www.opengis.net/def/crs/EPSG/0/4490"),
        ("urn:ogc:def:crs:EPSG:6.6:4326", 4326, "http://www.opengis.net/def/crs/EPSG/0/4326"),
        ("EPSG:32649", 32649, "http://www.opengis.net/def/crs/EPSG/0/32649"),  # any pyproj EPSG on input
        ("CRS84", 4326, crs.CRS84_URI),
        ("crs84", 4326, crs.CRS84_URI),
        ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326, crs.CRS84_URI),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", 4326, crs.CRS84_URI),
        (None, 4326, crs.CRS84_URI),
    ],
)
def test_parse_epsg_vocabulary(value, epsg, uri):
    spec = crs.parse_crs(value)
    assert (spec.kind, spec.epsg, spec.uri) == ("epsg", epsg, uri)


@pytest.mark.parametrize("value,kind", [("gcj02", "gcj02"), ("GCJ02", "gcj02"), ("bd09", "bd09"), ("BD09", "bd09")])
def test_parse_offset_systems(value, kind):
    spec = crs.parse_crs(value)
    assert spec.kind == kind and spec.epsg is None and spec.uri not in crs.SUPPORTED_OUTPUT_CRS


@pytest.mark.parametrize("value", [4610, "EPSG:4610", 2327, "EPSG:2349", 2390, 4214, "EPSG:2401", 2442, 21413])
def test_xian_1980_and_beijing_1954_are_refused(value):
    with pytest.raises(UnsupportedCrs) as info:
        crs.parse_crs(value)
    error = info.value
    assert error.status == 400 and error.code == "unsupported_crs"
    assert "No standard published parameters" in error.message_en
    assert "没有公开的标准转换参数" in error.message_zh
    assert ("1980" in error.message_en) or ("1954" in error.message_en)


@pytest.mark.parametrize("value", ["foo", "EPSG:99999", "EPSG:", "urn:ogc:def:crs:EPSG::abc", "gcj03", 12])
def test_unknown_crs(value):
    with pytest.raises(UnknownCrs) as info:
        crs.parse_crs(value)
    assert isinstance(info.value, GisError) and info.value.status == 400
    assert info.value.to_dict()["code"] == "unknown_crs"


def test_vertical_crs_is_unsupported():
    with pytest.raises(UnsupportedCrs):
        crs.parse_crs("EPSG:5773")


@pytest.mark.parametrize(
    "value,lat_first,northing_first",
    [(4490, True, False), (4326, True, False), ("CRS84", False, False), (3857, False, False),
     (4547, False, True), (4526, False, True)],
)
def test_axis_flags(value, lat_first, northing_first):
    spec = crs.parse_crs(value)
    assert (spec.lat_first, spec.northing_first) == (lat_first, northing_first)


def test_supported_output_crs_lists_the_six_with_crs84_first():
    assert crs.SUPPORTED_OUTPUT_CRS[0] == crs.CRS84_URI
    assert {crs.parse_crs(uri).label for uri in crs.SUPPORTED_OUTPUT_CRS} == {
        "CRS84", "EPSG:4490", "EPSG:4326", "EPSG:3857", "EPSG:4547", "EPSG:4526"}
    assert crs.parse_crs(4547).uri in crs.SUPPORTED_OUTPUT_CRS
    assert crs.parse_crs(32649).uri not in crs.SUPPORTED_OUTPUT_CRS


def test_gauss_kruger_reference_point():
    # CGCS2000 3-degree Gauss-Kruger, CM 114E: (112.85E, 35.5N) -> easting ~395 659, northing ~3 930 674.
    point = shapely.Point(112.85, 35.5)
    stored = crs.to_storage(shapely.Point(395_659, 3_930_674), crs.parse_crs(4547))
    assert _error_metres(point.x, point.y, stored.x, stored.y) < 1
    zoned = crs.to_storage(shapely.Point(38_395_659, 3_930_674), crs.parse_crs(4526))
    assert _error_metres(point.x, point.y, zoned.x, zoned.y) < 1


def _from_storage(geom, value):
    """Independent forward transform: pyproj for EPSG codes, the published offsets for GCJ-02/BD-09."""
    offsets = {"gcj02": crs.wgs84_to_gcj02, "bd09": crs.wgs84_to_bd09}
    if value in offsets:
        forward = offsets[value]
    else:
        target = "OGC:CRS84" if value == "CRS84" else f"EPSG:{value}"
        forward = pyproj.Transformer.from_crs("EPSG:4490", target, always_xy=True).transform
    return shapely.transform(geom, lambda xy: np.column_stack(forward(xy[:, 0], xy[:, 1])))


@pytest.mark.parametrize("value", ["gcj02", "bd09", 3857, 4547, 4526, "CRS84", 4326])
def test_storage_round_trip_for_polygons(value):
    spec = crs.parse_crs(value)
    polygon = shapely.box(112.80, 35.45, 112.90, 35.55)
    back = crs.to_storage(_from_storage(polygon, value), spec)
    assert _error_metres(*shapely.get_coordinates(polygon).T, *shapely.get_coordinates(back).T).max() < ONE_CM


def test_to_storage_converts_gcj02_arrays_and_keeps_nulls():
    geoms = np.array([shapely.Point(112.852, 35.491), None], dtype=object)
    stored = crs.to_storage(geoms, crs.parse_crs("gcj02"))
    assert stored[1] is None
    assert (stored[0].x, stored[0].y) == pytest.approx(crs.gcj02_to_wgs84(112.852, 35.491))


def test_to_storage_drops_z_and_storage_is_identity():
    point = shapely.Point(112.85, 35.5, 700.0)
    stored = crs.to_storage(point, crs.parse_crs(4490))
    assert not stored.has_z and stored.equals(shapely.Point(112.85, 35.5))


def test_apply_axis_order_swaps_only_when_epsg_says_so():
    point = shapely.Point(112.85, 35.5)
    assert crs.apply_axis_order(point, crs.parse_crs(4490)).coords[0] == (35.5, 112.85)
    assert crs.apply_axis_order(point, crs.parse_crs("CRS84")).coords[0] == (112.85, 35.5)


PIPELINE_PAIRS = [("OGC:CRS84", "EPSG:4490"), ("EPSG:4326", "EPSG:4490"), ("EPSG:4547", "EPSG:4490"),
                  ("EPSG:4490", "EPSG:4547"), ("EPSG:4490", "EPSG:3857"), ("EPSG:32650", "EPSG:4490"),
                  ("EPSG:4526", "EPSG:4490")]


@pytest.mark.parametrize("source, target", PIPELINE_PAIRS + [("EPSG:4267", "EPSG:4326")])
def test_cached_transformer_gives_pyprojs_own_results_in_any_thread(source, target):
    """The cached transformer is rebuilt per thread from its pipeline; the numbers must not change."""
    import threading

    reference = pyproj.Transformer.from_crs(source, target, always_xy=True)
    lon, lat = GRID_LON.ravel(), GRID_LAT.ravel()
    if source != "EPSG:4267":
        lon, lat = crs.get_transformer("EPSG:4490", source).transform(lon, lat)
    else:
        lon, lat = lon - 200, lat + 5  # NAD27 is only defined over North America
    expected = reference.transform(lon, lat)
    got: list = []
    thread = threading.Thread(target=lambda: got.append(crs.get_transformer(source, target).transform(lon, lat)))
    thread.start()
    thread.join()
    assert np.array_equal(got[0][0], expected[0]) and np.array_equal(got[0][1], expected[1])


@pytest.mark.parametrize("source, target", PIPELINE_PAIRS)
def test_supported_crs_pairs_resolve_to_a_single_pipeline(source, target):
    # A per-thread operation search costs ~0.6 s for CRS84 -> CGCS2000: these must not need one.
    assert crs.get_transformer(source, target).definition.startswith("proj=")


def test_one_gcj02_position_converts_as_an_array_of_them_does():
    """A single float position takes the plain-float path (crs._SCALAR); it agrees with the
    array path and round-trips to WGS84 within 1 cm, inside and outside China."""
    import numpy as np

    from gis_service.crs import gcj02_to_wgs84, wgs84_to_gcj02

    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(70, 140, 300), rng.uniform(0, 57, 300)
    array_x, array_y = gcj02_to_wgs84(lon, lat)
    for i in range(len(lon)):
        x, y = gcj02_to_wgs84(float(lon[i]), float(lat[i]))
        assert isinstance(x, float) and abs(x - array_x[i]) < 1e-9 and abs(y - array_y[i]) < 1e-9
        back_x, back_y = wgs84_to_gcj02(x, y)
        assert abs(back_x - lon[i]) < 1e-7 and abs(back_y - lat[i]) < 1e-7  # ~1 cm
    assert gcj02_to_wgs84(10.0, 50.0) == (10.0, 50.0)  # outside China: unshifted
    assert all(np.isnan(gcj02_to_wgs84(float("nan"), 35.0)))
