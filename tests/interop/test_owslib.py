"""OWSLib's ``owslib.ogcapi.features.Features`` as a real client: collections,
conformance, items, queryables, CQL2 filters and Part 2 CRS."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from owslib.ogcapi.features import Features

from .conftest import access_log, api_ids

QGIS_FILTER_CLASSES = {
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
}


@pytest.fixture(scope="module")
def features(server) -> Features:
    return Features(f"{server}/", timeout=30)


@pytest.fixture(scope="module")
def all_projects(features) -> list[dict]:
    return features.collection_items("projects", limit=1000)["features"]


def test_collections_and_conformance(features, catalog):
    assert sorted(features.feature_collections()) == sorted(catalog)
    docs = {c["id"]: c for c in features.collections()["collections"]}
    assert docs["projects"]["storageCrs"] == "http://www.opengis.net/def/crs/EPSG/0/4490"
    assert QGIS_FILTER_CLASSES <= set(features.conformance()["conformsTo"])
    assert features.collection("function_zones")["id"] == "function_zones"
    assert features.api()["components"]["parameters"]["limit"]["schema"]["default"] == 1000


def test_items_paging_and_single_item(features, catalog, server):
    page = features.collection_items("projects", limit=7)
    assert page["numberReturned"] == 7 and page["numberMatched"] == catalog["projects"]["numberMatched"]
    assert any(link["rel"] == "next" for link in page["links"])
    ids = api_ids(server, "projects")
    assert len(ids) == len(set(ids)) == catalog["projects"]["numberMatched"]
    item = features.collection_item("projects", page["features"][0]["id"])
    assert item["id"] == page["features"][0]["id"] and item["type"] == "Feature"


def test_queryables(features):
    queryables = features.collection_queryables("function_zones")
    assert "zone_class" in queryables["properties"]
    assert queryables["properties"]["geometry"]["format"].startswith("geometry-")


def test_cql2_text_filter_returns_exactly_the_matching_features(features, all_projects, server_log):
    start = server_log.stat().st_size
    cql = "category IN ('education', 'health') AND name LIKE '%小学%'"
    got = features.collection_items("projects", filter=cql, limit=1000)
    expected = {f["id"] for f in all_projects
                if f["properties"]["category"] in ("education", "health") and "小学" in f["properties"]["name"]}
    assert expected and {f["id"] for f in got["features"]} == expected
    assert got["numberMatched"] == len(expected)
    sent = [parse_qs(urlsplit(t).query) for _, t, _ in access_log(server_log, start)]
    assert any(q.get("filter") == [cql] for q in sent)  # filtered on the server, not the client


def test_cql2_json_and_spatial_filter(features, all_projects):
    cql_json = {"op": "and", "args": [
        {"op": "=", "args": [{"property": "category"}, "education"]},
        {"op": "s_intersects", "args": [{"property": "geometry"},
                                        {"type": "Polygon", "coordinates": [[[112.8, 35.4], [112.95, 35.4],
                                                                             [112.95, 35.6], [112.8, 35.6],
                                                                             [112.8, 35.4]]]}]}]}
    got = features.collection_items("projects", filter=json.dumps(cql_json),
                                    **{"filter-lang": "cql2-json"}, limit=1000)
    expected = {f["id"] for f in all_projects if f["properties"]["category"] == "education"
                and f["geometry"] and 112.8 <= f["geometry"]["coordinates"][0] <= 112.95
                and 35.4 <= f["geometry"]["coordinates"][1] <= 35.6}
    assert expected and {f["id"] for f in got["features"]} == expected


def test_part_2_crs_axis_order(features, all_projects):
    located = next(f for f in all_projects if f["geometry"])
    lon, lat = located["geometry"]["coordinates"]

    def coordinates_in(crs: str) -> list[float]:
        page = features.collection_items("projects", filter=f"id = '{located['id']}'", crs=crs)
        return page["features"][0]["geometry"]["coordinates"]

    assert coordinates_in("http://www.opengis.net/def/crs/EPSG/0/4490") == pytest.approx([lat, lon], abs=1e-7)
    assert coordinates_in("http://www.opengis.net/def/crs/OGC/1.3/CRS84") == pytest.approx([lon, lat], abs=1e-7)
    northing, easting = coordinates_in("http://www.opengis.net/def/crs/EPSG/0/4547")
    assert 3_900_000 < northing < 4_000_000 and 300_000 < easting < 500_000  # metres, northing first
