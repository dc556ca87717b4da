"""The map's per-unit rates equal /stats/progress: one roll-up, one unit rule.

An urban-village site is redrawn across the boundary of two 街道 (the larger part in one, its
point-on-surface in the other) and reported done; the unit it must count in is computed
independently with shapely in EPSG:4547 (largest overlap, ties to the lowest id).
"""
from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import numpy as np
import pyproj
import pytest
import shapely
import shapely.affinity
from sqlalchemy import text

from ..progress.conftest import bearer, keys, make_client  # noqa: F401 - fixtures shared with progress

COLLECTIONS = "projects,urban_village_sites"
TO_4547 = pyproj.Transformer.from_crs(4490, 4547, always_xy=True)
TO_4490 = pyproj.Transformer.from_crs(4547, 4490, always_xy=True)


def _map_units(client, by: str, as_of: str | None) -> dict:
    query = f"?by={by}" + (f"&as_of={as_of}" if as_of else "")
    html = client.get(f"/maps/progress{query}").text
    config = json.loads(re.search(r'<script type="application/json" id="map-config">(.*?)</script>', html, re.S)
                        .group(1))
    return config["progress"]["units"][by]


def _stats(client, group_by: str, as_of: str | None) -> dict:
    params = {"group_by": group_by, "collection": COLLECTIONS, **({"as_of": as_of} if as_of else {})}
    body = client.get("/stats/progress", params=params).json()
    assert "groups" in body, body
    return {g["key"]: g for g in body["groups"]}


def _project(geom, transformer):
    return shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def _straddle(units: dict) -> shapely.MultiPolygon:
    """A 200 m square inside one 街道 and a long thin bar (a third of its area) inside a
    neighbour, placed so that the point-on-surface lands in the bar: the old map rule and
    the largest-overlap rule then disagree."""
    square, bar = shapely.box(-100, -100, 100, 100), shapely.box(-400, -8, 400, 8)
    offsets = range(-600, 601, 100)
    for a, b in ((a, b) for a in sorted(units) for b in sorted(units) if a != b):
        border = units[a].intersection(units[b])
        if border.length < 3000:
            continue
        c = border.interpolate(0.5, normalized=True)
        inner_a, inner_b = units[a].buffer(-5), units[b].buffer(-5)
        squares = [q for q in (shapely.affinity.translate(square, c.x + dx, c.y + dy)
                               for dx in offsets for dy in offsets) if inner_a.contains(q)]
        bars = [r for r in (shapely.affinity.translate(bar, c.x + dx, c.y + dy)
                            for dx in offsets for dy in offsets) if inner_b.contains(r)]
        for q in squares:
            for r in bars:
                shape = shapely.MultiPolygon([q, r])
                if not q.intersects(r) and units[b].contains(
                        _project(_project(shape, TO_4490).point_on_surface(), TO_4547)):
                    return shape
    raise AssertionError("no two neighbouring units to straddle")


def _crossing_site(conn) -> tuple[str, dict, dict]:
    """A located village site and a new footprint across two 街道:
    (site id, GeoJSON geometry in 4490, unit id -> overlap m² computed here in EPSG:4547)."""
    site = conn.execute(text("SELECT id FROM urban_village_sites WHERE NOT retired AND geom IS NOT NULL "
                             "ORDER BY id LIMIT 1")).scalar()
    units = {r.id: _project(shapely.from_wkb(bytes(r.wkb)), TO_4547) for r in conn.execute(text(
        "SELECT id, ST_AsBinary(geom) AS wkb FROM admin_units WHERE NOT retired AND level <> 'district'"))}
    shape = _straddle(units)
    shares = {uid: shape.intersection(g).area for uid, g in units.items() if shape.intersects(g)}
    return site, json.loads(shapely.to_geojson(_project(shape, TO_4490))), shares


@pytest.fixture
def crossing(make_client, keys, engine_for, loaded_db):
    with engine_for(loaded_db).connect() as conn:
        site, geometry, shares = _crossing_site(conn)
    client = make_client()
    path = f"/collections/urban_village_sites/items/{site}"
    r = client.patch(path, json={"type": "Feature", "geometry": geometry, "properties": {"status": "done"}},
                     headers={**bearer(keys["editor"]), "If-Match": client.get(path).headers["etag"]})
    assert r.status_code == 200, r.text
    with engine_for(loaded_db).connect() as conn:
        surface_unit = conn.execute(text(
            "SELECT a.id FROM admin_units a, urban_village_sites s WHERE s.id = :s AND a.level <> 'district' "
            "AND ST_Intersects(a.geom, ST_PointOnSurface(s.geom))"), {"s": site}).scalar()
    return client, site, shares, surface_unit


def test_a_feature_across_two_units_counts_in_the_same_unit_on_the_map_and_in_the_stats(crossing):
    client, site, shares, surface_unit = crossing
    assert len(shares) == 2  # it really crosses
    expected = sorted(shares, key=lambda uid: (-round(shares[uid], 3), uid))[0]
    assert surface_unit in shares and surface_unit != expected  # a point-on-surface rule would differ
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    for as_of in (None, today):
        stats = _stats(client, "admin_unit", as_of)
        units = _map_units(client, "admin_units", as_of)
        assert stats[expected]["finished"] >= 1  # the done site counts where most of it lies
        assert all(stats[u]["finished"] == 0 for u in shares if u != expected)
        for uid, unit in units.items():
            group = stats[uid]
            assert (unit["total"], unit["known"], unit["done"]) == (group["total"], group["reported"],
                                                                   group["finished"]), uid
            rate = group["finished"] / group["reported"] if group["reported"] else None
            assert unit["rate"] == pytest.approx(rate) if rate is not None else unit["rate"] is None, uid
        assert set(units) == set(stats)  # the same units: the 8 街道/镇, never 城区 itself


def test_sub_areas_and_an_earlier_as_of_agree_too(crossing):
    client = crossing[0]
    for as_of in (None, "2016-01-01"):
        stats = _stats(client, "sub_area", as_of)
        for uid, unit in _map_units(client, "sub_areas", as_of).items():
            assert (unit["total"], unit["known"], unit["done"]) == (
                stats[uid]["total"], stats[uid]["reported"], stats[uid]["finished"]), uid
    before = _stats(client, "admin_unit", "2016-01-01")
    assert sum(g["finished"] for g in before.values()) == 0  # nothing was reported then
