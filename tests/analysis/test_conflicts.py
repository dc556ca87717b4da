"""The conflict register: a project inside the 禁止开发区 and one 100 m from a reservoir are
listed with the rule table's severities; moving out closes the conflict and keeps its history."""
from __future__ import annotations

import pyproj
import pytest
import shapely
from shapely.ops import transform
from sqlalchemy import text

from gis_service.db import post_write
from gis_service.db.post_write import WriteEvent
from gis_service.services.analysis import conflict_register
from gis_service.services.parcel_check import rules
from gis_service.services.subscribers import register_all

TO_M = pyproj.Transformer.from_crs(4490, 4547, always_xy=True).transform
TO_DEG = pyproj.Transformer.from_crs(4547, 4490, always_xy=True).transform


def _shape(conn, sql: str, **params):
    return transform(TO_M, shapely.from_wkb(conn.execute(text(sql), params).scalar_one()))


def _sites(conn) -> dict:
    """Independent of the register: a point inside 禁止 on 白水河's corridor, and a point 100 m
    outside the 禁止开发区 ring drawn round 花园头水库, away from every other checked layer."""
    zone = _shape(conn, "SELECT ST_AsBinary(geom) FROM function_zones WHERE zone_class = 'prohibited'")
    water = _shape(conn, "SELECT ST_AsBinary(geom) FROM ecology_sites WHERE id = 'hua-yuan-tou-shui-ku'")
    river = _shape(conn, "SELECT ST_AsBinary(geom) FROM green_corridors WHERE id = 'bai-shui-he'")
    ring = next(p for p in zone.geoms if p.intersects(water))
    inside = river.interpolate(0.5, normalized=True)
    assert zone.contains(inside)
    outline = ring.buffer(100).exterior
    near = next(outline.interpolate(f, normalized=True) for f in [i / 50 for i in range(50)]
                if not zone.buffer(99).contains(outline.interpolate(f, normalized=True))
                and river.distance(outline.interpolate(f, normalized=True)) > 100)
    assert ring.distance(near) == pytest.approx(100, abs=0.5)
    return {"inside": transform(TO_DEG, inside), "near": transform(TO_DEG, near), "zone": zone, "ring": ring}


def _add_project(conn, fid: str, category: str, point) -> None:
    conn.execute(text(
        "INSERT INTO projects (id, name, category, plan_ref, geometry_quality, location_basis, geom) "
        "VALUES (:id, :name, :cat, '专栏2', 'approximate', 'gazetteer', ST_SetSRID(ST_GeomFromText(:wkt), 4490))"),
        {"id": fid, "name": f"测试项目 {fid}", "cat": category, "wkt": point.wkt})
    post_write.after_write(conn, WriteEvent("projects", (fid,), "create", "test"))


def _open(conn, fid):
    return conn.execute(text("SELECT conflict_key, severity, rule, distance_m, first_seen, closed_at "
                             "FROM plan_conflicts WHERE subject_id = :f ORDER BY id"), {"f": fid}).mappings().all()


def test_register_lists_both_and_moving_out_closes_with_history(loaded_db, engine_for):
    register_all()
    engine = engine_for(loaded_db)
    with engine.begin() as conn:
        conflict_register.recompute(conn)
        sites = _sites(conn)
        _add_project(conn, "t-inside", "industry", sites["inside"])
        _add_project(conn, "t-near", "service", sites["near"])
    with engine.begin() as conn:
        inside, near = _open(conn, "t-inside"), _open(conn, "t-near")
        assert [r["conflict_key"] for r in inside] == ["prohibited|projects/t-inside|function_zones/prohibited"]
        assert inside[0]["severity"] == rules.USE_MATRIX["industrial"]["prohibited"] == "conflict"
        assert [r["rule"] for r in near] == ["buffer:zoned_reservoir"]
        assert near[0]["severity"] == "review"  # screening bands are potential, at most review
        assert near[0]["distance_m"] == pytest.approx(100, abs=0.5)
        warning = conn.execute(text("SELECT severity, status FROM warnings WHERE subject_id = 'projects/t-inside'")).one()
        assert tuple(warning) == ("red", "open")
        # Move the project out, into the 北石店 optimized zone far from water.
        far = conn.execute(text("SELECT ST_AsText(ST_PointOnSurface(geom)) FROM function_zones "
                                "WHERE zone_class = 'optimized'")).scalar_one()
        conn.execute(text("UPDATE projects SET geom = ST_SetSRID(ST_GeomFromText(:w), 4490) WHERE id = 't-inside'"),
                     {"w": far})
        post_write.after_write(conn, WriteEvent("projects", ("t-inside",), "update", "test"))
    with engine.begin() as conn:
        history = _open(conn, "t-inside")
        assert len(history) == 1 and history[0]["closed_at"] is not None
        assert history[0]["first_seen"] == inside[0]["first_seen"]
        assert _open(conn, "t-near")[0]["closed_at"] is None  # untouched by the other's edit
        assert conn.execute(text("SELECT status FROM warnings WHERE subject_id = 'projects/t-inside'")).scalar() == "cleared"


def test_get_conflicts_in_every_format(make_client, loaded_db, engine_for):
    engine = engine_for(loaded_db)
    with engine.begin() as conn:
        summary = conflict_register.recompute(conn)
        stored = conn.execute(text("SELECT count(*) FROM plan_conflicts WHERE closed_at IS NULL")).scalar()
    assert summary["open"] == stored
    client = make_client()
    body = client.get("/analysis/conflicts").json()
    assert body["count"] == stored and all(c["severity"] in ("conflict", "review") for c in body["conflicts"])
    keys = {(c["subject_id"], c["object_id"]) for c in body["conflicts"]}
    # Pairs where the zone was drawn from the feature are never listed.
    assert ("bai-shui-he", "prohibited") not in keys and ("hua-yuan-tou-shui-ku", "prohibited") not in keys
    assert ("bai-ma-si-shan-sen-lin-gong-yuan", "restricted") not in keys
    for c in body["conflicts"]:
        assert c["basis"] and c["rule_zh"] and c["first_seen"].endswith("+08:00")
        assert (c["overlap_m2"] is not None) or (c["length_m"] is not None) or (c["distance_m"] is not None)
    assert all(i["text_zh"].startswith("规划自身不一致") for i in body["inconsistencies"])
    geo = client.get("/analysis/conflicts?f=geojson")
    assert geo.headers["content-type"].startswith("application/geo+json")
    assert len(geo.json()["features"]) == stored
    csv = client.get("/analysis/conflicts?f=csv")
    assert csv.content.startswith(b"\xef\xbb\xbf") and csv.content.count(b"\r\n") == stored + 1
    assert client.get("/analysis/conflicts?f=xlsx").content[:2] == b"PK"
    html = client.get("/analysis/conflicts?f=html")
    assert html.status_code == 200 and "冲突检测" in html.text
    for bad, name in (("state=maybe", "state"), ("f=pdf", "f"), ("colour=red", "colour")):
        refused = client.get(f"/analysis/conflicts?{bad}")
        assert refused.status_code == 400 and refused.json()["detail"]["parameter"] == name
        assert refused.json()["message_zh"] and refused.json()["message"]
