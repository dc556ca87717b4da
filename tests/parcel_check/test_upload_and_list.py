"""The clerk's page's two endpoints: a 界址点 list uploaded and answered at once (as the single check
answers the same polygon), and the past-report list filtered by 宗地编码, Beijing date and verdict."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import numpy as np
import shapely

from .builders import as_4547, to_body


def _square(zone_4490, side=50.0):
    zone = as_4547(zone_4490)
    return shapely.point_on_surface(zone.buffer(-side)).buffer(side / 2, cap_style="square")


def _points_csv(code: str, parcel_4547) -> bytes:
    lines = ["宗地编码,点号,X,Y"]
    for k, (easting, northing) in enumerate(np.asarray(parcel_4547.exterior.coords)[:-1]):
        lines.append(f"{code},J{k + 1},{northing:.3f},{easting + 38_000_000:.3f}")
    return "\n".join(lines).encode("gbk")


def test_boundary_point_upload_matches_the_single_check(pc_client, layers):
    parcel = _square(layers[("function_zones", "restricted")])
    content = _points_csv("140502011002GB00301", parcel)
    response = pc_client.post("/analysis/parcel-check/upload", params={"crs": "EPSG:4526", "proposed_use": "industrial"},
                              files={"file": ("界址点.csv", content, "text/csv")})
    assert response.status_code == 200, response.text
    (report,) = response.json()["reports"]
    assert report["input"]["properties"]["宗地编码"] == "140502011002GB00301"
    assert abs(report["area"]["m2"] - parcel.area) < 0.5  # independent: shapely in EPSG:4547
    single = pc_client.post("/analysis/parcel-check", json=to_body(parcel),
                            params={"crs": "EPSG:4490", "proposed_use": "industrial"}).json()
    assert report["verdict"]["code"] == single["verdict"]["code"] == "non_compliant"
    assert [h["feature_id"] for h in report["hits"]] == [h["feature_id"] for h in single["hits"]]
    stored = pc_client.get(f"/analysis/parcel-check/{report['id']}", params={"f": "json"}).json()
    assert stored["input"]["properties"]["宗地编码"] == "140502011002GB00301"


def test_upload_is_all_or_nothing(pc_client, layers):
    before = pc_client.get("/analysis/parcel-check", params={"f": "json", "limit": 500}).json()["count"]
    good = _points_csv("GOOD1", _square(layers[("function_zones", "key")]))
    bad = good + "\nBAD1,J1,1,2\nBAD1,J2,1,2".encode("gbk")  # a two-point "parcel"
    response = pc_client.post("/analysis/parcel-check/upload", params={"crs": "EPSG:4526"},
                              files={"file": ("界址点.csv", bad, "text/csv")})
    assert 400 <= response.status_code < 500 and response.json()["message_zh"]
    after = pc_client.get("/analysis/parcel-check", params={"f": "json", "limit": 500}).json()["count"]
    assert after == before


def test_upload_from_another_site_is_refused(pc_client, layers):
    content = _points_csv("X1", _square(layers[("function_zones", "key")]))
    response = pc_client.post("/analysis/parcel-check/upload", params={"crs": "EPSG:4526"},
                              headers={"Origin": "http://elsewhere.example"},
                              files={"file": ("界址点.csv", content, "text/csv")})
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"


def test_report_list_filters(pc_client, layers):
    codes = {"140502011002GB00401": "key", "140502011002GB00402": "prohibited"}
    ids = {}
    for code, zone in codes.items():
        geometry = to_body(_square(layers[("function_zones", zone)]))
        feature = {"type": "Feature", "properties": {"宗地编码": code}, "geometry": geometry}
        report = pc_client.post("/analysis/parcel-check", json=feature,
                                params={"crs": "EPSG:4490", "proposed_use": "residential"}).json()
        ids[code] = (report["id"], report["verdict"]["code"])

    def listed(**params):
        response = pc_client.get("/analysis/parcel-check", params={"f": "json", **params})
        assert response.status_code == 200, response.text
        return response.json()["reports"]

    assert [r["id"] for r in listed(code="GB00401")] == [ids["140502011002GB00401"][0]]
    assert {r["parcel_code"] for r in listed(code="GB004")} == set(codes)
    rows = listed(code="GB004", verdict="non_compliant")
    assert [r["id"] for r in rows] == [ids["140502011002GB00402"][0]] and rows[0]["verdict_zh"] == "不符合"
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert len(listed(code="GB004", date_from=today.isoformat(), date_to=today.isoformat())) == 2
    assert listed(code="GB004", date_to=(today - dt.timedelta(days=1)).isoformat()) == []
    for literal in ("%", "_", "' OR '1'='1", "GB004%"):  # LIKE wildcards and quotes are taken literally
        assert listed(code=literal) == [], literal
    newest = listed(limit=2)
    assert newest[0]["created_at"] >= newest[1]["created_at"]
    assert newest[0]["links"]["pdf"].endswith("?f=pdf") and "北京时间" in newest[0]["created_local"]
    for params in ({"date_from": "2026-13-01"}, {"verdict": "ok"}, {"limit": 0}):
        response = pc_client.get("/analysis/parcel-check", params={"f": "json", **params})
        assert response.status_code == 400, params
        assert response.json()["message_zh"] and response.json()["message"]


def test_browser_gets_the_clerk_page(pc_client):
    response = pc_client.get("/analysis/parcel-check", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "合规性初筛" in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert "leaflet-draw@1.0.4/dist/leaflet.draw.js" in response.text and "GCJ-02" in response.text
    for src in re.findall(r'<script defer src="http://testserver([^"]+)"', response.text):
        assert pc_client.get(src).status_code == 200, src  # served offline by the service itself
