"""Coordinate hints with the real numbers of a parcel in 城区: sent in the wrong 3-degree zone,
with the zone prefix, with northing and easting swapped, or from a web map without crs=gcj02.
Each hint is checked independently: pyproj reads the numbers as the hint says and shapely finds
the parcel inside the district outline."""
from __future__ import annotations

import pyproj
import pytest
import shapely
import shapely.affinity
from shapely.geometry import mapping

from .builders import as_4547
from .conftest import TO_4490, project

_GEOD = pyproj.Geod(ellps="GRS80")


@pytest.fixture(scope="module")
def district(layers):
    return layers[("admin_units", "chengqu")]


@pytest.fixture(scope="module")
def parcel_4547(district):
    """A 60 m square round a point well inside 城区, in EPSG:4547 metres."""
    inner = as_4547(district).buffer(-500)
    centre = shapely.point_on_surface(inner)
    return centre.buffer(30, cap_style="square")


def _body(geom) -> dict:
    return {"type": "Polygon", "coordinates": [[list(p) for p in shapely.get_coordinates(geom)]]}


def _read_as(body: dict, crs: str, swap: bool):
    """The parcel centre read the way a hint says (independent of the service)."""
    coords = shapely.get_coordinates(shapely.geometry.shape(body))
    if swap:
        coords = coords[:, ::-1]
    lon, lat = pyproj.Transformer.from_crs(crs if crs != "CRS84" else "OGC:CRS84", "EPSG:4490",
                                           always_xy=True).transform(coords[:, 0].mean(), coords[:, 1].mean())
    return shapely.Point(lon, lat)


def test_4547_numbers_sent_as_4546_hint_4547(pc_client, parcel_4547, district):
    body = _body(parcel_4547)
    response = pc_client.post("/analysis/parcel-check", json=body, params={"crs": "EPSG:4546"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["verdict"]["code"] == "outside"
    first = report["hints"][0]
    assert (first["crs"], first["axis_order"], first["swap_axes"]) == ("EPSG:4547", "easting,northing", False)
    assert "crs=EPSG:4547" in first["zh"] and "城区" in first["en"]
    for hint in report["hints"]:
        assert district.contains(_read_as(body, hint["crs"], hint["swap_axes"]))
    stored = pc_client.get(f"/analysis/parcel-check/{report['id']}", params={"f": "html"}).text
    assert "crs=EPSG:4547" in stored  # the printed report carries the hint


def test_zone_prefixed_easting_sent_as_4547_is_a_4xx_naming_4526(pc_client, parcel_4547, district):
    prefixed = shapely.affinity.translate(parcel_4547, xoff=38_000_000)
    body = _body(prefixed)
    response = pc_client.post("/analysis/parcel-check", json=body, params={"crs": "EPSG:4547"})
    assert 400 <= response.status_code < 500
    hints = response.json()["detail"]["hints"]
    assert hints[0]["crs"] == "EPSG:4526" and not hints[0]["swap_axes"]
    assert "EPSG:4526" in response.json()["message_zh"]
    assert district.contains(_read_as(body, "EPSG:4526", False))


def test_swapped_northing_easting_names_the_axis_order(pc_client, parcel_4547, district):
    swapped = shapely.transform(parcel_4547, lambda c: c[:, ::-1])
    body = _body(swapped)
    response = pc_client.post("/analysis/parcel-check", json=body, params={"crs": "EPSG:4547"})
    assert 400 <= response.status_code < 500  # outside China as given: unreadable, so a 4xx with the hint
    hints = response.json()["detail"]["hints"]
    assert (hints[0]["crs"], hints[0]["axis_order"], hints[0]["swap_axes"]) == ("EPSG:4547", "northing,easting", True)
    assert "北坐标" in response.json()["message_zh"] and "crs=EPSG:4547" in response.json()["message_zh"]
    assert district.contains(_read_as(body, "EPSG:4547", True))


def test_4547_numbers_sent_as_4548_hint_4547(pc_client, parcel_4547, district):
    body = _body(parcel_4547)
    response = pc_client.post("/analysis/parcel-check", json=body, params={"crs": "EPSG:4548"})
    assert response.status_code == 200
    assert [h["crs"] for h in response.json()["hints"]][:1] == ["EPSG:4547"]


def test_web_map_coordinates_without_crs_get_the_gcj02_note(pc_client, parcel_4547, district):
    lonlat = mapping(project(parcel_4547, TO_4490))
    plain = pc_client.post("/analysis/parcel-check", json=lonlat).json()
    assert plain["verdict"]["code"] != "outside" and plain["input"]["crs"] == "CRS84"
    note = next(h for h in plain["hints"] if h["kind"] == "gcj02")
    assert "crs=gcj02" in note["zh"] and "高德" in note["zh"]
    as_gcj = pc_client.post("/analysis/parcel-check", json=lonlat, params={"crs": "gcj02"}).json()
    (lon1, lat1), (lon2, lat2) = plain["input"]["representative_point"], as_gcj["input"]["representative_point"]
    _, _, moved = _GEOD.inv(lon1, lat1, lon2, lat2)
    assert moved > 200  # hundreds of metres round 晋城
    assert note["offset_m"] == pytest.approx(moved, abs=5)
    assert as_gcj["hints"] == []  # a declared CRS is taken at its word
    declared = pc_client.post("/analysis/parcel-check", json=lonlat, params={"crs": "EPSG:4490"}).json()
    assert declared["hints"] == []


def test_far_away_parcel_has_no_hint(pc_client):
    beijing = {"type": "Polygon", "coordinates": [[[116.39, 39.90], [116.391, 39.90], [116.391, 39.901],
                                                   [116.39, 39.901], [116.39, 39.90]]]}
    report = pc_client.post("/analysis/parcel-check", json=beijing, params={"crs": "EPSG:4490"}).json()
    assert report["verdict"]["code"] == "outside" and report["hints"] == []


def test_district_test_from_the_checks_catalog_agrees_with_postgis(pc_url, district):
    """The hints test points against 城区 from the check's catalog (no round trip); PostGIS's
    ST_Intersects must give the same answers, on and near the outline too."""
    import numpy as np
    from sqlalchemy import create_engine

    from gis_service.queries.analysis import check_chunk, points_in_district

    ring = shapely.get_coordinates(district.exterior if district.geom_type == "Polygon"
                                   else max(district.geoms, key=lambda g: g.area).exterior)
    rng = np.random.default_rng(7)
    near = ring[rng.integers(0, len(ring), 150)] + rng.normal(0, 2e-4, (150, 2))  # ~20 m either side
    minx, miny, maxx, maxy = district.bounds
    spread = np.column_stack([rng.uniform(minx - 0.05, maxx + 0.05, 150), rng.uniform(miny - 0.05, maxy + 0.05, 150)])
    points = [tuple(p) for p in np.vstack([ring[:20], near, spread])]
    engine = create_engine(pc_url)
    try:
        with engine.connect() as conn:
            parcel = shapely.to_wkb(shapely.Point(points[-1]).buffer(1e-4))
            checked = check_chunk(conn, [0], [parcel])
            assert checked.district is not None and checked.context["data_versions"]
            from_catalog = points_in_district(conn, points, checked.district)
            from_postgis = points_in_district(conn, points)
    finally:
        engine.dispose()
    assert from_catalog == from_postgis
    assert 20 < sum(from_catalog) < len(points) - 20  # both sides of the outline were tried
