"""Bad input: a clear 4xx naming the problem and where, never a 5xx, nothing half-written."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

SQUARE = [[112.850, 35.500], [112.852, 35.500], [112.852, 35.5015], [112.850, 35.5015], [112.850, 35.500]]


def post(client, body, **params):
    return client.post("/analysis/parcel-check", json=body, params=params)


def polygon(ring):
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.mark.parametrize("body, status, words", [
    (polygon([[112.85, 35.5], [112.86, 35.51], [112.86, 35.5], [112.85, 35.51], [112.85, 35.5]]), 422,
     ["Self-intersection", "(112.855, 35.505)", "repair=true"]),
    (polygon(SQUARE[:-1]), 422, ["not closed", "ring 1"]),
    (polygon([[112.85, 35.5], [112.86, 35.5], [112.85, 35.5]]), 422, ["too few points"]),
    ({"type": "Polygon", "coordinates": []}, 422, ["empty geometry"]),
    ({"type": "LineString", "coordinates": SQUARE}, 422, ["LineString", "Polygon"]),
    (polygon([[35.50, 112.85], [35.50, 112.86], [35.51, 112.86], [35.50, 112.85]]), 422,
     ["latitude, longitude", "longitude first"]),
    (polygon([[395659, 3930674], [395759, 3930674], [395759, 3930774], [395659, 3930674]]), 422,
     ["Gauss-Krüger", "EPSG:4547"]),
    (polygon([[38395659, 3930674], [38395759, 3930674], [38395759, 3930774], [38395659, 3930674]]), 422,
     ["EPSG:4526"]),
    (polygon([[3930674, 395659], [3930674, 395759], [3930774, 395759], [3930674, 395659]]), 422,
     ["northing first"]),
    (polygon([[200.0, 35.5], [201.0, 35.5], [201.0, 36.5], [200.0, 35.5]]), 422, ["out of range"]),
    ({"wkt": "POLYGON((1 2, 3 4"}, 422, ["WKT"]),
    ({"features": []}, 422, ["GeoJSON"]),
])
def test_bad_geometry_is_a_4xx_with_a_hint(pc_client, body, status, words):
    response = post(pc_client, body)
    assert response.status_code == status, response.text
    message = response.json()["message"]
    assert response.json()["message_zh"]
    for word in words:
        assert word in message, message


def test_crs_errors(pc_client):
    unknown = post(pc_client, polygon(SQUARE), crs="EPSG:999999")
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_crs"
    xian80 = post(pc_client, polygon([[38395659, 3930674], [38395759, 3930674], [38395759, 3930774],
                                      [38395659, 3930674]]), crs="EPSG:2362")
    assert xian80.status_code == 400 and "Xi'an 1980" in xian80.json()["message"]
    beijing = post(pc_client, polygon(SQUARE), crs="EPSG:4214")
    assert beijing.status_code == 400 and "Beijing 1954" in beijing.json()["message"]
    assert post(pc_client, polygon(SQUARE), proposed_use="golf").status_code == 400


def test_gk_coordinates_with_their_crs_are_accepted(pc_client):
    ring = [[395659, 3930674], [395759, 3930674], [395759, 3930774], [395659, 3930774], [395659, 3930674]]
    report = post(pc_client, polygon(ring), crs="EPSG:4547").json()
    assert abs(report["area"]["m2"] - 10000) < 1
    zoned = [[38000000 + x, y] for x, y in ring]
    assert abs(post(pc_client, polygon(zoned), crs="EPSG:4526").json()["area"]["m2"] - 10000) < 1


def test_limits_are_413(pc_client):
    import numpy as np

    angles = np.linspace(0, 2 * np.pi, 100_002)[:-1]
    ring = np.column_stack([112.85 + 0.01 * np.cos(angles), 35.5 + 0.01 * np.sin(angles)]).tolist()
    too_many = post(pc_client, polygon(ring + ring[:1]))
    assert too_many.status_code == 413 and "vertices" in too_many.json()["message"]
    huge = b'{"type": "Polygon", "coordinates": []' + b" " * (10 * 1024**2 + 10) + b"}"
    response = pc_client.post("/analysis/parcel-check", content=huge, headers={"content-type": "application/json"})
    assert response.status_code == 413
    many = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": polygon(SQUARE)}] * 101}
    assert post(pc_client, many).status_code == 413


def test_repair_applies_make_valid_and_says_so(pc_client):
    bowtie = polygon([[112.85, 35.5], [112.86, 35.51], [112.86, 35.5], [112.85, 35.51], [112.85, 35.5]])
    report = post(pc_client, bowtie, repair="true").json()
    assert report["input"]["repaired"] and "Self-intersection" in report["input"]["repair_reason"]
    assert any("ST_MakeValid" in c["zh"] for c in report["caveats"])
    assert report["area"]["m2"] > 0


def test_nothing_half_written(pc_client, pc_url):
    engine = create_engine(pc_url)

    def count():
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM parcel_check_reports")).scalar()

    before = count()
    mixed = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"宗地编码": "A"}, "geometry": polygon(SQUARE)},
        {"type": "Feature", "properties": {"宗地编码": "B"}, "geometry": polygon(SQUARE[:-1])}]}
    response = post(pc_client, mixed)
    assert response.status_code == 422 and response.json()["detail"]["feature"] == 2
    assert count() == before
    ok = post(pc_client, {**mixed, "features": mixed["features"][:1]}).json()
    assert ok["count"] == 1 and ok["reports"][0]["input"]["properties"] == {"宗地编码": "A"}
    assert count() == before + 1
    engine.dispose()


def test_stored_report_round_trip(pc_client):
    report = post(pc_client, {"type": "Feature", "properties": {"宗地编码": "140502001"},
                              "geometry": polygon(SQUARE)}).json()
    assert report["actor"] == "anonymous" and report["id"]
    stored = pc_client.get(f"/analysis/parcel-check/{report['id']}").json()
    assert stored["verdict"] == report["verdict"] and stored["geometry"]["type"] == "Polygon"
    assert stored["data_versions"]["function_zones"] >= 1
    assert stored["disclaimer_zh"].startswith("初筛结果，不作为法定审查结论")
    assert "2016–2020" in stored["basis"]
    html = pc_client.get(f"/analysis/parcel-check/{report['id']}", params={"f": "html"})
    assert html.status_code == 200 and report["verdict"]["zh"] in html.text and "@media print" in html.text
    assert pc_client.get("/analysis/parcel-check/nope").status_code == 404
    page = pc_client.get(f"/maps/parcel/{report['id']}")
    assert page.status_code == 200 and "sha256-" in page.headers["content-security-policy"]
