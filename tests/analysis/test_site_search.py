"""POST /analysis/site-search: verdicts are the parcel check's, exclusions hold, ranking follows weights."""
from __future__ import annotations

import pyproj
import pytest
from shapely.geometry import shape
from shapely.ops import transform

from gis_service.loader.parcels import load_synthetic_parcels

TO_M = pyproj.Transformer.from_crs(4490, 4547, always_xy=True).transform


@pytest.fixture
def client(make_client, loaded_db, engine_for):
    load_synthetic_parcels(engine_for(loaded_db), 3000, seed=7, progress=False)
    return make_client()


def _search(client, **body):
    r = client.post("/analysis/site-search", json={"proposed_use": "industrial", "area_min_m2": 2000,
                                                    "area_max_m2": 60000, "limit": 12, **body})
    assert r.status_code == 200, r.text
    return r.json()


def test_verdicts_equal_the_parcel_check_and_exclusions_hold(client):
    result = _search(client, exclude_verdicts=["non_compliant", "outside"], exclude_zones=["restricted"])
    assert result["candidates"] and result["data_label"] == "合成数据"
    for c in result["candidates"]:
        check = client.post("/analysis/parcel-check?proposed_use=industrial", json=c["geometry"]).json()
        assert c["verdict"]["code"] == check["verdict"]["code"] not in ("non_compliant", "outside")
        assert c["hits"] == check["hits"]
        assert "restricted" not in [z["level"] for z in check["function_zones"]]
        area = transform(TO_M, shape(c["geometry"])).area
        assert 2000 <= area <= 60000 and c["area_m2"] == pytest.approx(area, rel=1e-3)
        assert "合成数据" in c["reason_zh"] and c["reason_zh"].startswith("初筛")
        assert c["schematic"] == check["verdict"]["schematic"]


def test_ranking_follows_the_weights(client):
    by_centre = _search(client, weights={"centre": 1})["candidates"]
    distances = [c["parts"]["centre"]["raw"] for c in by_centre]
    assert distances == sorted(distances)
    mixed = _search(client, weights={"centre": 1, "key_share": 3})["candidates"]
    scores = [c["score"] for c in mixed]
    assert scores == sorted(scores, reverse=True)
    for c in mixed:
        expected = (c["parts"]["centre"]["part"] + 3 * c["parts"]["key_share"]["part"]) / 4
        assert c["score"] == pytest.approx(expected, abs=1e-5)
    key_only = _search(client, weights={"key_share": 1})["candidates"]
    shares = [c["parts"]["key_share"]["raw"] for c in key_only]
    assert shares == sorted(shares, reverse=True)


def test_report_and_files(client):
    body = {"proposed_use": "commercial", "area_min_m2": 1000, "area_max_m2": 50000, "limit": 5}
    html = client.post("/analysis/site-search?f=html", json=body)
    assert html.status_code == 200 and "辅助选址报告" in html.text and "合成数据" in html.text
    csv = client.post("/analysis/site-search?f=csv", json=body)
    assert csv.content.startswith(b"\xef\xbb\xbf") and csv.content.count(b"\r\n") == 6


@pytest.mark.parametrize("body, parameter", [
    ({"area_min_m2": 5000, "area_max_m2": 100}, "area_min_m2"),
    ({"weights": {"centre": "near"}}, "weights.centre"),
    ({"weights": {"beauty": 1}}, "weights"),
    ({"proposed_use": "casino"}, "proposed_use"),
    ({"exclude_zones": ["swamp"]}, "exclude_zones"),
    ({"source": "nope"}, "source"),
    ({"weights": {"project": 1}, "project": "no-such-project"}, "project"),
])
def test_bad_site_search_requests(make_client, body, parameter):
    r = make_client().post("/analysis/site-search", json={"proposed_use": "industrial", **body})
    assert r.status_code == 400, r.text
    error = r.json()
    assert error["detail"]["parameter"] == parameter and error["message_zh"] != error["message"]
