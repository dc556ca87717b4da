"""``GET /analysis/point`` lists every collection's features at the point (identify), checked
against shapely over the layers read through the API; its zone report fields stay as they were."""
from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely

from ..conftest import app_client, cloned_db

TO_4547 = pyproj.Transformer.from_crs("EPSG:4490", "EPSG:4547", always_xy=True)
FROM_4547 = pyproj.Transformer.from_crs("EPSG:4547", "EPSG:4490", always_xy=True)


def transform(transformer, geom):
    return shapely.transform(geom, lambda xy: np.column_stack(
        transformer.transform(xy[:, 0], xy[:, 1])))


@pytest.fixture(scope="module")
def client(pg, loaded_template):
    with cloned_db(pg, loaded_template) as url, app_client(url) as c:
        yield c


@pytest.fixture(scope="module")
def features(client) -> dict[str, list[tuple[str, object]]]:
    """{collection: [(id, shapely geometry in EPSG:4490)]} for every collection, via the items API."""
    out = {}
    for collection in client.get("/collections", params={"f": "json"}).json()["collections"]:
        cid = collection["id"]
        doc = client.get(f"/collections/{cid}/items", params={"f": "json", "limit": 10000}).json()
        out[cid] = [(f["id"], shapely.geometry.shape(f["geometry"])) for f in doc["features"] if f["geometry"]]
    return out


def expected_hits(features, lon: float, lat: float, tolerance_m: float) -> set[tuple[str, str]]:
    point = shapely.Point(lon, lat)
    point_m = transform(TO_4547, point)
    hits = set()
    for cid, rows in features.items():
        for fid, geom in rows:
            if geom.geom_type in ("Polygon", "MultiPolygon"):
                if geom.intersects(point):
                    hits.add((cid, fid))
            elif transform(TO_4547, geom).distance(point_m) <= tolerance_m:
                hits.add((cid, fid))
    return hits


def answered_hits(doc) -> set[tuple[str, str]]:
    return {(c["collection"], h["id"]) for c in doc["collections"] for h in c["hits"]}


def test_identify_lists_every_collections_hits(client, features):
    reservoir = dict(features["ecology_sites"])["hua-yuan-tou-shui-ku"]
    zone = dict(features["function_zones"])["prohibited"]
    point = reservoir.intersection(zone).representative_point()
    doc = client.get("/analysis/point", params={"x": point.x, "y": point.y}).json()
    hits = answered_hits(doc)
    assert hits == expected_hits(features, point.x, point.y, 0.0)
    # Two overlapping layers and the unit layers all answer, each collection once, with its title.
    assert {("ecology_sites", "hua-yuan-tou-shui-ku"), ("function_zones", "prohibited")} <= hits
    by_collection = {c["collection"]: c for c in doc["collections"]}
    titles = {c["id"]: c["title"] for c in client.get("/collections", params={"f": "json"}).json()["collections"]}
    for cid, entry in by_collection.items():
        assert entry["title"] in titles[cid]
        for hit in entry["hits"]:
            assert hit["link"].endswith(f"/collections/{cid}/items/{hit['id']}")
            assert hit["name"] == client.get(hit["link"], params={"f": "json"}).json()["properties"]["name"]
    assert doc["collections_checked"] == len(features)
    # The zone report's fields are unchanged.
    assert doc["kind"] == "point" and doc["function_zones"][0]["id"] == "prohibited"
    assert doc["verdict"]["code"] == "non_compliant"


def test_tolerance_reaches_points_and_lines(client, features):
    pid, project = next((fid, g) for fid, g in features["projects"] if g.geom_type == "Point")
    metres = transform(TO_4547, project)
    east = transform(FROM_4547, shapely.Point(metres.x + 30, metres.y))
    near = client.get("/analysis/point", params={"x": east.x, "y": east.y, "tolerance_m": 50}).json()
    far = client.get("/analysis/point", params={"x": east.x, "y": east.y, "tolerance_m": 10}).json()
    assert ("projects", pid) in answered_hits(near) and ("projects", pid) not in answered_hits(far)
    for doc, tolerance in ((near, 50), (far, 10)):
        assert answered_hits(doc) == expected_hits(features, east.x, east.y, tolerance)


@pytest.mark.parametrize("value", ["-1", "501", "abc"])
def test_a_bad_tolerance_is_refused(client, value):
    response = client.get("/analysis/point", params={"x": 112.85, "y": 35.5, "tolerance_m": value})
    assert response.status_code in (400, 422)
    assert "tolerance_m" in response.text
