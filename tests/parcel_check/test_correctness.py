"""Acceptance: overlaps, shares and distances match an independent shapely computation in
EPSG:4547 (0.1 % / 0.5 m); severities follow the rule table and the proposed-use matrix."""
from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import mapping

from gis_service.crs import wgs84_to_gcj02

from .builders import as_4547, frame, half_inside, near_line, straddling, to_body
from .conftest import TO_4490, TO_4547


def check(client, body, **params):
    response = client.post("/analysis/parcel-check", json=body, params={"crs": "EPSG:4490", **params})
    assert response.status_code == 200, response.text
    return response.json()


def hit(report, layer, feature_id, type_="polygon"):
    found = [h for h in report["hits"] if h["layer"] == layer and h["feature_id"] == feature_id
             and h["type"] == type_]
    assert len(found) == 1, report["hits"]
    return found[0]


@pytest.fixture(scope="module")
def prohibited_parcel(layers):
    """Half inside the 禁止开发区 ring round 花园头水库 (the part holding the reservoir)."""
    zone = as_4547(layers[("function_zones", "prohibited")])
    reservoir = as_4547(layers[("ecology_sites", "hua-yuan-tou-shui-ku")])
    part = next(p for p in shapely.get_parts(zone) if p.intersects(reservoir))
    return half_inside(part), zone


def test_half_inside_prohibited_zone(pc_client, prohibited_parcel):
    parcel, zone = prohibited_parcel
    report = check(pc_client, to_body(parcel))
    expected = parcel.intersection(zone).area
    row = hit(report, "function_zones", "prohibited")
    assert abs(report["area"]["m2"] - parcel.area) <= parcel.area * 1e-3
    assert abs(row["overlap_m2"] - expected) <= expected * 1e-3
    assert abs(row["percent"] - expected / parcel.area * 100) <= 0.1
    assert 40 < row["percent"] < 60
    assert row["severity"] == "conflict" and not row["potential"] and row["geometry_quality"] == "schematic"
    assert report["verdict"]["code"] == "non_compliant" and report["verdict"]["zh"] == "不符合"
    assert report["verdict"]["schematic"] and "示意" in report["verdict"]["schematic_note_zh"]
    # Outside the ring: the 2 km grade-2 screening buffer, measured from the polygon's edge.
    buffer = hit(report, "ecology_sites", "hua-yuan-tou-shui-ku", "buffer")
    assert buffer["severity"] == "review" and buffer["potential"] and buffer["distance_m"] == 0
    assert {"infrastructure": "review", "ecological": "review"} == row["uses_that_change"]
    # Only polygon hits make 不符合; a use the matrix allows with justification lowers it.
    infra = check(pc_client, to_body(parcel), proposed_use="infrastructure")
    assert hit(infra, "function_zones", "prohibited")["severity"] == "review"
    assert infra["verdict"]["code"] == "needs_review"
    assert any("人民水库" in c["zh"] for c in report["caveats"])


def test_straddling_two_admin_units_30_70(pc_client, layers):
    unit_a, unit_b = (as_4547(layers[("admin_units", u)]) for u in ("beishidian", "xishangzhuang"))
    parcel = straddling(unit_a, unit_b, 0.3)
    report = check(pc_client, to_body(parcel))
    shares = {s["id"]: s for s in report["admin_units"]}
    assert set(shares) == {"beishidian", "xishangzhuang"}
    for unit_id, unit in (("beishidian", unit_a), ("xishangzhuang", unit_b)):
        expected = parcel.intersection(unit).area / parcel.area * 100
        assert abs(shares[unit_id]["percent"] - expected) <= 0.1
    assert abs(shares["beishidian"]["percent"] - 30) < 1
    assert abs(sum(s["percent"] for s in shares.values()) - 100) < 0.01
    assert {s["id"] for s in report["sub_areas"]} == {"dongbeibu", "xibeibu"}


@pytest.mark.parametrize("river_id", ["shu-yuan-he", "bei-shi-dian-he"])
def test_five_metres_from_a_river_without_zone_polygon(pc_client, layers, river_id):
    river = as_4547(layers[("green_corridors", river_id)])
    parcel = near_line(river, gap=5.0)
    report = check(pc_client, to_body(parcel))
    expected = parcel.distance(river)
    assert abs(expected - 5.0) < 0.01
    row = hit(report, "green_corridors", river_id, "buffer")
    assert abs(row["distance_m"] - expected) <= 0.5
    assert row["severity"] == "review" and row["potential"] and "河道管理范围" in row["rule_zh"]
    assert report["distances"]["river"]["feature_id"] == river_id
    assert abs(report["distances"]["river"]["distance_m"] - expected) <= 0.5
    assert report["verdict"]["code"] == "needs_review"  # a buffer hit is never more than review
    assert all(h["severity"] != "conflict" for h in report["hits"] if h["type"] == "buffer")
    # 15 m away: riparian setback, still review and potential
    far = check(pc_client, to_body(near_line(river, gap=15.0)))
    assert "滨河退让" in hit(far, "green_corridors", river_id, "buffer")["rule_zh"]


def _outside_edge_square(zone_4490, chengqu_4547):
    zone = as_4547(zone_4490)
    for polygon in sorted(shapely.get_parts(zone_4490), key=lambda g: -g.area):
        coords = np.asarray(polygon.exterior.coords)
        for p, q in sorted(zip(coords[:-1], coords[1:]), key=lambda pq: -np.hypot(*(pq[1] - pq[0]))):
            p_m, q_m = (np.array(TO_4547.transform(*pt)) for pt in (p, q))
            mid, along, normal = frame(p_m, q_m)
            if zone.contains(shapely.Point(mid + normal * 2)):
                normal = -normal
            probe = shapely.Point(mid + normal * 10)
            if chengqu_4547.contains(probe) and not zone.intersects(probe.buffer(8)):
                far = [np.array(TO_4490.transform(*(pt + normal * 20))) for pt in (q_m, p_m)]
                return shapely.Polygon([p, q, *far])  # shares the edge's exact vertices
    raise AssertionError("no usable edge")


def test_touching_a_zone_edge_only(pc_client, layers):
    parcel = _outside_edge_square(layers[("function_zones", "key")], as_4547(layers[("admin_units", "chengqu")]))
    report = check(pc_client, mapping(parcel))
    row = hit(report, "function_zones", "key")
    assert row["boundary_touch"] and row["severity"] == "info" and row["overlap_m2"] < 1
    assert "边界接触" in row["rule_zh"]
    assert all(z["id"] != "key" for z in report["function_zones"])


def test_gcj02_and_cgcs2000_give_the_same_result(pc_client, prohibited_parcel):
    parcel, _ = prohibited_parcel
    body = to_body(parcel)
    ring = np.asarray(body["coordinates"][0])
    gx, gy = wgs84_to_gcj02(ring[:, 0], ring[:, 1])
    gcj = {"type": "Polygon", "coordinates": [np.column_stack([gx, gy]).tolist()]}
    plain, shifted = check(pc_client, body), check(pc_client, gcj, crs="gcj02")
    assert shifted["input"]["crs"] == "gcj02"
    assert abs(plain["area"]["m2"] - shifted["area"]["m2"]) < 1
    a, b = hit(plain, "function_zones", "prohibited"), hit(shifted, "function_zones", "prohibited")
    assert abs(a["overlap_m2"] - b["overlap_m2"]) < 1
    assert plain["verdict"]["code"] == shifted["verdict"]["code"]


def test_use_matrix_in_restricted_zone(pc_client, layers):
    zone = as_4547(layers[("function_zones", "restricted")])
    inside = zone.representative_point().buffer(30, quad_segs=2)
    expected = {None: "review", "residential": "conflict", "industrial": "conflict", "public": "review",
                "agricultural": "ok", "ecological": "ok"}
    for use, severity in expected.items():
        report = check(pc_client, to_body(inside), **({"proposed_use": use} if use else {}))
        assert hit(report, "function_zones", "restricted")["severity"] == severity, use


def test_outside_and_partly_outside(pc_client, layers):
    chengqu = as_4547(layers[("admin_units", "chengqu")])
    far = shapely.box(*(np.array(chengqu.bounds[:2]) - 5000), *(np.array(chengqu.bounds[:2]) - 4900))
    report = check(pc_client, to_body(far))
    assert report["verdict"]["code"] == "outside" and report["verdict"]["zh"] == "超出规划范围"
    assert report["hits"] == [] and report["planning_area"]["outside_share"] == 1.0
    straddle = straddling(chengqu, shapely.box(*chengqu.buffer(5000).bounds).difference(chengqu), 0.6)
    partial = check(pc_client, to_body(straddle))
    assert partial["verdict"]["code"] != "outside"
    expected = straddle.difference(chengqu).area / straddle.area
    assert abs(partial["planning_area"]["outside_share"] - expected) < 1e-3
    assert "城区规划范围外" in partial["verdict"]["text_zh"]


def test_point_query(pc_client, layers):
    reservoir = layers[("ecology_sites", "hua-yuan-tou-shui-ku")].representative_point()
    response = pc_client.get("/analysis/point", params={"x": reservoir.x, "y": reservoir.y})
    assert response.status_code == 200
    report = response.json()
    assert report["kind"] == "point" and report["id"] is None
    assert report["function_zones"][0]["id"] == "prohibited"
    assert report["admin_units"][0]["id"] == "zhongjiazhuang"
    assert report["verdict"]["code"] == "non_compliant"
