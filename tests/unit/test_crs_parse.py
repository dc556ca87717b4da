"""CRS parsing beyond the EPSG vocabulary (tests/unit/test_crs.py): aliases, labels, the
pyproj definitions the transforms use, and file CRSs mapped back to the vocabulary."""
from __future__ import annotations

import pyproj
import pytest
import shapely

from gis_service import crs
from gis_service.errors import UnknownCrs, UnsupportedCrs

LOCAL_TM = ("+proj=tmerc +lat_0=0 +lon_0=112.5 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 "
            "+units=m +no_defs")   # a local Gauss-Krüger a survey office might use: no EPSG code


@pytest.mark.parametrize("value, label", [
    ("", "CRS84"), ("   ", "CRS84"), ("OGC:CRS84", "CRS84"),
    ("wgs84", "EPSG:4326"), ("WGS84", "EPSG:4326"), ("cgcs2000", "EPSG:4490"), ("CGCS2000", "EPSG:4490"),
    ("gcj-02", "gcj02"), ("gcj", "gcj02"), ("bd-09", "bd09"), ("bd09ll", "bd09"),
    (4490, "EPSG:4490"), ("4547", "EPSG:4547"),
])
def test_aliases_and_their_labels(value, label):
    assert crs.parse_crs(value).label == label


@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_epsg_codes(value):
    # bool is an int in Python; True must not quietly mean EPSG:1.
    with pytest.raises(UnknownCrs):
        crs.parse_crs(value)


def test_unknown_crs_lists_what_is_supported_in_both_languages():
    with pytest.raises(UnknownCrs) as info:
        crs.parse_crs("EPSG:4490x")
    error = info.value
    assert "无法识别的坐标参考系" in error.message_zh and "Unknown CRS" in error.message_en
    assert error.detail["crs"] == "EPSG:4490x"
    assert set(error.detail["supported"]) == {*crs.SUPPORTED_OUTPUT_CRS, "gcj02", "bd09"}


def test_geocentric_crs_is_refused_as_not_two_dimensional():
    with pytest.raises(UnsupportedCrs) as info:
        crs.parse_crs(4978)
    assert "not a 2D geographic or projected CRS" in info.value.message_en


@pytest.mark.parametrize("value, srs", [
    ("CRS84", "OGC:CRS84"), (4326, "EPSG:4326"), (4547, "EPSG:4547"), ("gcj02", "EPSG:4326"), ("bd09", "EPSG:4326"),
])
def test_pyproj_definition_used_for_transforms(value, srs):
    # GCJ-02/BD-09 are offsets from WGS84, so PROJ sees them as EPSG:4326.
    assert crs.parse_crs(value).pyproj_srs == srs


def test_only_epsg_4490_is_storage():
    assert crs.parse_crs(4490).is_storage and crs.parse_crs("cgcs2000").is_storage
    assert not any(crs.parse_crs(v).is_storage for v in ("CRS84", 4326, 4547, "gcj02"))
    assert crs.parse_crs(None).is_crs84 and not crs.parse_crs(4326).is_crs84


def test_esri_wkt_of_4547_maps_back_to_the_epsg_code():
    esri = pyproj.CRS(pyproj.CRS.from_epsg(4547).to_wkt("WKT1_ESRI"))
    spec = crs.spec_from_pyproj(esri)
    assert (spec.epsg, spec.northing_first) == (4547, True)


def test_crs84_file_crs_maps_to_crs84_not_to_4326():
    assert crs.spec_from_pyproj(pyproj.CRS("OGC:CRS84")) is crs.CRS84


def test_local_projection_without_epsg_code_has_no_spec_but_converts():
    local = pyproj.CRS(LOCAL_TM)
    assert crs.spec_from_pyproj(local) is None
    # 500 000 m false easting at 112.5°E: the origin column lands on that meridian.
    stored = crs.to_storage(shapely.Point(500_000, 3_930_000), local)
    assert stored.x == pytest.approx(112.5, abs=1e-6) and 35.4 < stored.y < 35.6


def test_xian_1980_file_crs_is_refused_too():
    with pytest.raises(UnsupportedCrs):
        crs.spec_from_pyproj(pyproj.CRS.from_epsg(2390))


def test_parsed_specs_are_cached_and_equal():
    assert crs.parse_crs("EPSG:4547") is crs.parse_crs(4547)
    assert crs.parse_crs("urn:ogc:def:crs:EPSG::4490") == crs.parse_crs(4490)
