"""OGC API – Features Part 1/2/3 behaviour over raw HTTP."""
import json

import pytest
from pyproj import Transformer

GEOJSON = "application/geo+json"


def test_landing_links_what_qgis_needs(client):
    doc = client.get("/", headers={"Accept": "application/json"}).json()
    rels = {link["rel"]: link for link in doc["links"]}
    assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert {"service-doc", "conformance", "data"} <= set(rels)
    api = client.get(rels["service-desc"]["href"])
    assert api.json()["openapi"].startswith("3.0")


def test_browser_gets_html_and_star_gets_json(client):
    assert client.get("/", headers={"Accept": "*/*"}).headers["content-type"].startswith("application/json")
    html = client.get("/collections", headers={"Accept": "text/html,application/xhtml+xml"})
    assert html.headers["content-type"].startswith("text/html") and "图层" in html.text


def test_conformance_declares_crs_and_cql2_classes(client):
    classes = set(client.get("/conformance").json()["conformsTo"])
    for uri in ("http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
                "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
                "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
                "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
                "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text"):
        assert uri in classes


def test_openapi_limit_component_sets_page_size(client):
    api = client.get("/api").json()
    limit = api["components"]["parameters"]["limit"]["schema"]
    assert limit["default"] == 1000 and limit["maximum"] == 10000
    items = api["paths"]["/collections/projects/items"]["get"]["parameters"]
    assert {"$ref": "#/components/parameters/limit"} in items
    status = next(p for p in items if p.get("name") == "status")
    assert (status["style"], status["explode"]) == ("form", False)
    assert "null" not in json.dumps(api).replace("nullable", "")  # no 3.1 'type: null' left


def test_collections_have_extent_crs_and_counts(client):
    docs = {c["id"]: c for c in client.get("/collections").json()["collections"]}
    assert {"admin_units", "projects", "function_zones", "admin_context"} <= set(docs)
    projects = docs["projects"]
    assert projects["storageCrs"] == "http://www.opengis.net/def/crs/EPSG/0/4490"
    assert "http://www.opengis.net/def/crs/EPSG/0/4547" in projects["crs"]
    minx, miny, maxx, maxy = projects["extent"]["spatial"]["bbox"][0]
    assert 112.6 < minx < maxx < 113.1 and 35.3 < miny < maxy < 35.8
    assert client.get("/collections/projects/").json()["id"] == "projects"


def test_items_geojson_with_top_level_id_and_counts(client):
    r = client.get("/collections/projects/items", params={"limit": 5})
    assert r.headers["content-type"] == GEOJSON
    body = r.json()
    assert body["numberReturned"] == 5 and len(body["features"]) == 5
    assert body["numberMatched"] == client.get("/collections/projects").json()["numberMatched"]
    assert all(f["id"] == f["properties"]["id"] for f in body["features"])
    assert any(link["rel"] == "next" for link in body["links"])


def test_null_geometry_for_unlocated_items(client):
    body = client.get("/collections/projects/items",
                      params={"filter": "location_basis = 'unlocated'", "limit": 100}).json()
    assert body["numberReturned"] > 0
    assert all(f["geometry"] is None for f in body["features"])


def test_walking_next_at_limit_7_returns_every_feature_once(client):
    total = client.get("/collections/projects").json()["numberMatched"]
    url, seen = "/collections/projects/items?limit=7", []
    while url:
        body = client.get(url).json()
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    assert len(seen) == total == len(set(seen))


def test_limit_above_maximum_is_clamped(client):
    body = client.get("/collections/projects/items", params={"limit": 999999}).json()
    assert body["numberReturned"] == body["numberMatched"]  # all of them, not an error


def test_filter_returns_exactly_the_matching_features(client):
    every = client.get("/collections/projects/items", params={"limit": 1000}).json()["features"]
    expected = sorted(f["id"] for f in every if f["properties"]["location_basis"] == "area_hint")
    assert expected
    got = client.get("/collections/projects/items",
                     params={"filter": "location_basis = 'area_hint'", "limit": 1000}).json()
    assert sorted(f["id"] for f in got["features"]) == expected
    assert got["numberMatched"] == len(expected)
    as_json = client.get("/collections/projects/items", params={
        "filter": json.dumps({"op": "=", "args": [{"property": "location_basis"}, "area_hint"]}),
        "filter-lang": "cql2-json", "limit": 1000}).json()
    assert sorted(f["id"] for f in as_json["features"]) == expected


@pytest.mark.parametrize("cql", [
    "name LIKE '%村'", "category IN ('urban_village')", "id BETWEEN 'a' AND 'zz'", "note IS NULL",
    "S_INTERSECTS(geometry, POLYGON((112.7 35.4, 113 35.4, 113 35.7, 112.7 35.7, 112.7 35.4)))",
])
def test_cql2_operators_agree_with_python(client, cql):
    every = client.get("/collections/urban_village_sites/items", params={"limit": 1000}).json()["features"]
    got = client.get("/collections/urban_village_sites/items", params={"filter": cql, "limit": 1000}).json()
    ids = {f["id"] for f in got["features"]}
    checks = {
        "name LIKE '%村'": lambda f: f["properties"]["name"].endswith("村"),
        "category IN ('urban_village')": lambda f: f["properties"]["category"] == "urban_village",
        "id BETWEEN 'a' AND 'zz'": lambda f: "a" <= f["id"] <= "zz",
        "note IS NULL": lambda f: f["properties"].get("note") is None,
        "S_INTERSECTS(geometry, POLYGON((112.7 35.4, 113 35.4, 113 35.7, 112.7 35.7, 112.7 35.4)))":
            lambda f: f["geometry"] is not None,
    }
    assert ids == {f["id"] for f in every if checks[cql](f)}


def test_axis_order_per_crs(client):
    feature = client.get("/collections/projects/items",
                         params={"filter": "location_basis <> 'unlocated'", "limit": 1}).json()["features"][0]
    lon, lat = feature["geometry"]["coordinates"]
    url = f"/collections/projects/items/{feature['id']}"
    r4490 = client.get(url, params={"crs": "http://www.opengis.net/def/crs/EPSG/0/4490"})
    assert r4490.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4490>"
    assert r4490.json()["geometry"]["coordinates"] == pytest.approx([lat, lon])
    r4547 = client.get(url, params={"crs": "http://www.opengis.net/def/crs/EPSG/0/4547"}).json()
    northing, easting = r4547["geometry"]["coordinates"]
    x, y = Transformer.from_crs(4490, 4547, always_xy=True).transform(lon, lat)
    assert (easting, northing) == pytest.approx((x, y), abs=0.01)
    assert 3.9e6 < northing < 4.0e6 and 3.7e5 < easting < 4.2e5


def test_bbox_in_crs84_and_in_lat_lon_crs_agree(client):
    a = client.get("/collections/projects/items", params={"bbox": "112.83,35.48,112.87,35.52", "limit": 1000}).json()
    b = client.get("/collections/projects/items", params={
        "bbox": "35.48,112.83,35.52,112.87", "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326",
        "limit": 1000}).json()
    assert a["numberMatched"] == b["numberMatched"] > 0
    for f in a["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert 112.83 <= lon <= 112.87 and 35.48 <= lat <= 35.52


@pytest.mark.parametrize("params, parameter", [
    ({"bbox": "1,2,3"}, "bbox"),
    ({"bbox": "a,b,c,d"}, "bbox"),
    ({"crs": "EPSG:999999"}, "crs"),
    ({"filter": "name = "}, "filter"),
    ({"filter": "nosuchprop = 1"}, "filter"),
    ({"sortby": "nosuchprop"}, "sortby"),
    ({"properties": "name,nosuchprop"}, "properties"),
    ({"limit": "abc"}, "limit"),
    ({"f": "docx"}, "f"),
    ({"nosuchprop": "1"}, "nosuchprop"),
])
def test_bad_parameters_get_400_naming_them(client, params, parameter):
    r = client.get("/collections/projects/items", params=params)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["detail"]["parameter"] == parameter
    assert body["message_zh"] and body["description"]


def test_sortby_properties_skipgeometry(client):
    body = client.get("/collections/projects/items", params={
        "sortby": "-name", "properties": "name,category", "skipGeometry": "true", "limit": 50}).json()
    names = [f["properties"]["name"] for f in body["features"]]
    assert names == sorted(names, reverse=True)
    assert all(set(f["properties"]) == {"name", "category"} and f["geometry"] is None
               for f in body["features"])


def test_etag_and_304(client):
    first = client.get("/collections/projects/items", params={"limit": 3})
    etag = first.headers["etag"]
    again = client.get("/collections/projects/items", params={"limit": 3}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    item_id = first.json()["features"][0]["id"]
    item = client.get(f"/collections/projects/items/{item_id}")
    assert item.headers["etag"] == '"1"'
    assert client.get(f"/collections/projects/items/{item_id}",
                      headers={"If-None-Match": item.headers["etag"]}).status_code == 304


def test_options_lists_allowed_methods(client):
    r = client.options("/collections/projects/items")
    assert "GET" in r.headers["allow"] and "PATCH" not in r.headers["allow"]


def test_queryables_and_unknown_ids(client):
    q = client.get("/collections/projects/queryables")
    assert q.headers["content-type"].startswith("application/schema+json")
    assert q.json()["properties"]["status"]["type"] == "string"
    assert client.get("/collections/nope").status_code == 404
    assert client.get("/collections/projects/items/nope").status_code == 404


def test_injection_corpus_changes_nothing(client, snapshot_db):
    before = snapshot_db()
    corpus = ["'; DROP TABLE projects; --", "1 OR 1=1", "name = 'x'; DELETE FROM projects",
              "\" OR \"\"=\"", "name) OR (1=1", "%27%3B%20DROP%20TABLE%20projects"]
    for value in corpus:
        for key in ("filter", "sortby", "properties", "crs", "bbox", "bbox-crs", "datetime"):
            r = client.get("/collections/projects/items", params={key: value})
            assert r.status_code in (400, 404), (key, value, r.status_code)
        assert client.get(f"/collections/{value}/items").status_code in (400, 404)
        assert client.get(f"/collections/projects/items/{value}").status_code == 404
    after = snapshot_db()
    assert before == after


@pytest.mark.parametrize("extra", [{}, {"sortby": "-name"}, {"filter": "location_basis <> 'unlocated'"}])
def test_paging_walks_every_feature_once_by_keyset_or_offset(client, extra):
    expected = client.get("/collections/projects/items", params={"limit": 1000, **extra}).json()
    url, params, seen = "/collections/projects/items", {"limit": 7, **extra}, []
    while url:
        body = client.get(url, params=params).json()
        params = None
        seen += [f["id"] for f in body["features"]]
        assert body["numberMatched"] == expected["numberMatched"]  # the selection's, on every page
        nxt = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        if nxt:
            assert ("after=" in nxt) == ("sortby" not in extra)  # keyset only for id order
        url = nxt
    assert seen == [f["id"] for f in expected["features"]]
    assert len(seen) == expected["numberMatched"]
