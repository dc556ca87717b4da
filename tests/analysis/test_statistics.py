"""POST /analysis/statistics against an independent shapely computation in EPSG:4547."""
from __future__ import annotations

import pyproj
import pytest
import shapely
from shapely.geometry import shape
from shapely.ops import transform

from gis_service.crs import wgs84_to_gcj02

TO_M = pyproj.Transformer.from_crs(4490, 4547, always_xy=True).transform


def _features(client, collection: str) -> list[dict]:
    body = client.get(f"/collections/{collection}/items?limit=10000").json()
    return [f for f in body["features"] if f["geometry"]]


def _units(client) -> dict:
    return {f["id"]: transform(TO_M, shape(f["geometry"])) for f in _features(client, "admin_units")
            if f["properties"]["level"] != "district"}


def _assign(geom, units: dict) -> str | None:
    """The one unit rule, written independently: largest overlap, points by containment, ties lowest id."""
    best = None
    for key in sorted(units):
        unit = units[key]
        if not unit.intersects(geom):
            continue
        size = unit.intersection(geom).area if geom.geom_type.endswith("Polygon") else (
            unit.intersection(geom).length if "Line" in geom.geom_type else 0.0)
        if best is None or size > best[1]:
            best = (key, size)
    return best and best[0]


def _placed(props: dict, geom, units: dict, names: dict, subs: dict) -> str | None:
    """The progress roll-up's placement, written independently: the plan's area hint names a 街道/镇
    (or a 片区 of one unit), else the largest overlap, else the listed admin unit."""
    hint = (props.get("area_hint") or "").strip()
    if hint and hint not in ("其它", "其他"):
        if hint.endswith("片区"):
            members = next(m for n, m in subs.values() if n.startswith(hint[:-2]))
            if len(members) == 1:
                return members[0]
        else:
            named = [k for k, n in sorted(names.items()) if n.startswith(hint)]
            if named:
                return named[0]
    return (geom is not None and _assign(geom, units)) or props.get("admin_unit")


def test_counts_and_areas_per_admin_unit_equal_shapely(make_client):
    client = make_client()
    r = client.post("/analysis/statistics", json={
        "collections": ["urban_village_sites", "projects", "green_corridors"], "group_by": "admin_unit",
        "measures": ["count", "area_m2", "area_ha", "area_mu", "length_m", "investment", "completion"]})
    assert r.status_code == 200, r.text
    result = r.json()
    units = _units(client)
    assert {g["key"] for g in result["groups"]} == set(units)
    names = {f["id"]: f["properties"]["name"] for f in _features(client, "admin_units")}
    subs = {f["id"]: (f["properties"]["name"], f["properties"]["admin_units"]) for f in _features(client, "sub_areas")}
    for collection in ("urban_village_sites", "projects", "green_corridors"):
        every = client.get(f"/collections/{collection}/items?limit=10000").json()["features"]
        feats = [transform(TO_M, shape(f["geometry"])) for f in every if f["geometry"]]
        progress = "status" in every[0]["properties"]
        place = [_placed(f["properties"], f["geometry"] and transform(TO_M, shape(f["geometry"])), units, names, subs)
                 if progress else (f["geometry"] and _assign(transform(TO_M, shape(f["geometry"])), units))
                 for f in every]
        for key, unit in units.items():
            cell = next(g for g in result["groups"] if g["key"] == key)["cells"][collection]
            assert cell["count"] == place.count(key), (collection, key)
            area = sum(unit.intersection(f).area for f in feats if f.geom_type.endswith("Polygon"))
            length = sum(unit.intersection(f).length for f in feats if "Line" in f.geom_type)
            assert cell["area_m2"] == pytest.approx(area, rel=1e-3, abs=0.01)
            assert cell["area_ha"] == pytest.approx(area / 10000, rel=1e-3, abs=1e-6)
            assert cell["area_mu"] == pytest.approx(area * 15 / 10000, rel=1e-3, abs=1e-5)
            assert cell["length_m"] == pytest.approx(length, rel=1e-3, abs=0.01)
    assert sum(g["cells"]["urban_village_sites"]["area_m2"] for g in result["groups"]) > 0
    # The progress layers' counts are the progress statistics' counts, unit by unit.
    for collection in ("urban_village_sites", "projects"):
        progress = client.get("/stats/progress", params={"group_by": "admin_unit", "collection": collection}).json()
        expected = {g["key"]: g["total"] for g in progress["groups"]}
        got = {g["key"]: g["cells"][collection]["count"] for g in result["groups"] if g["cells"][collection]["count"]}
        assert got == {k: v for k, v in expected.items() if v}, collection


def test_a_drawn_polygon_in_gcj02_gives_the_cgcs2000_table(make_client):
    client = make_client()
    ring = [(112.84, 35.49), (112.88, 35.49), (112.88, 35.52), (112.84, 35.52), (112.84, 35.49)]
    lon, lat = wgs84_to_gcj02([p[0] for p in ring], [p[1] for p in ring])
    gcj = [[float(x), float(y)] for x, y in zip(lon, lat)]
    request = {"collections": ["urban_village_sites", "projects"], "group_by": "polygon",
               "measures": ["count", "area_m2"]}
    cgcs = client.post("/analysis/statistics", json={**request, "geometry": {"type": "Polygon", "coordinates": [ring]}})
    mars = client.post("/analysis/statistics", json={**request, "crs": "gcj02",
                                                      "geometry": {"type": "Polygon", "coordinates": [gcj]}})
    assert cgcs.status_code == mars.status_code == 200, mars.text
    a, b = cgcs.json()["groups"][0]["cells"], mars.json()["groups"][0]["cells"]
    polygon = transform(TO_M, shapely.Polygon(ring))
    sites = [transform(TO_M, shape(f["geometry"])) for f in _features(client, "urban_village_sites")]
    expected = sum(polygon.intersection(s).area for s in sites)
    assert expected > 0 and a["urban_village_sites"]["area_m2"] == pytest.approx(expected, rel=1e-3)
    for c in ("urban_village_sites", "projects"):
        assert a[c]["count"] == b[c]["count"]
        assert abs(a[c]["area_m2"] - b[c]["area_m2"]) <= max(1.0, 1e-4 * a[c]["area_m2"])


def test_cell_links_and_files(make_client):
    client = make_client()
    r = client.post("/analysis/statistics?f=csv", json={"collections": ["projects"], "group_by": "sub_area"})
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    assert r.content.count(b"\r\n") == 1 + len(_features(client, "sub_areas"))
    x = client.post("/analysis/statistics?f=xlsx", json={"collections": ["projects"], "group_by": "sub_area"})
    assert x.content[:2] == b"PK"
    filtered = client.post("/analysis/statistics", json={
        "collections": ["projects"], "group_by": "sub_area", "filter": "category = 'education'"}).json()
    total = sum(g["cells"]["projects"]["count"] for g in filtered["groups"])
    every = client.get("/collections/projects/items?limit=10000&category=education").json()["numberMatched"]
    left = filtered["unassigned"]["projects"]
    assert total > 0 and total + left["unlocated"] + left["outside_groups"] == every


@pytest.mark.parametrize("body, parameter", [
    ({"collections": ["nope"]}, "collections"),
    ({"collections": ["projects"], "measures": ["weight"]}, "measures"),
    ({"collections": ["projects"], "group_by": "county"}, "group_by"),
    ({"collections": ["projects"], "filter": "colour = 'red'"}, None),
    ({"collections": ["projects"], "group_by": "polygon",
      "geometry": {"type": "Polygon", "coordinates": [[[112.84, 35.49], [112.88, 35.52], [112.88, 35.49],
                                                       [112.84, 35.52], [112.84, 35.49]]]}}, "geometry"),
    ({"collections": ["projects"], "group_by": "polygon",
      "geometry": {"type": "Polygon", "coordinates": [[[113.5, 35.0], [113.6, 35.0], [113.6, 35.1],
                                                       [113.5, 35.1], [113.5, 35.0]]]}}, "geometry"),
])
def test_bad_requests_are_bilingual_and_name_the_parameter(make_client, body, parameter):
    client = make_client()
    r = client.post("/analysis/statistics", json=body)
    assert 400 <= r.status_code < 500
    error = r.json()
    assert error["message_zh"] and error["message"] and error["message_zh"] != error["message"]
    if parameter:
        assert error["detail"]["parameter"] == parameter
