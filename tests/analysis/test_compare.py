"""GET /analysis/compare: three features edited between two dates (status, attributes, geometry)
are exactly what the diff lists, with old → new values and the area delta of shapely in EPSG:4547."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pyproj
import pytest
from shapely.geometry import shape
from shapely.ops import transform

from .conftest import bearer

TO_M = pyproj.Transformer.from_crs(4490, 4547, always_xy=True).transform
TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def _patch(client, key, path, body):
    etag = client.get(path).headers["etag"]
    r = client.patch(path, json=body, headers={**bearer(key), "If-Match": etag})
    assert r.status_code == 200, r.text


def _edit_three(client, key, db) -> dict:
    project, other = [r[0] for r in db("SELECT id FROM projects WHERE NOT retired ORDER BY id LIMIT 2")]
    site = db("SELECT id FROM urban_village_sites WHERE geom IS NOT NULL ORDER BY id LIMIT 1")[0][0]
    old_geometry = client.get(f"/collections/urban_village_sites/items/{site}").json()["geometry"]
    _patch(client, key, f"/collections/projects/items/{project}", {"status": "ongoing", "percent_complete": 35})
    _patch(client, key, f"/collections/projects/items/{other}", {"approval_no": "晋城区发改〔2020〕7号"})
    grown = shape(old_geometry).buffer(0.0005)
    _patch(client, key, f"/collections/urban_village_sites/items/{site}",
           {"type": "Feature", "geometry": grown.__geo_interface__, "properties": {}})
    return {"project": project, "other": other, "site": site, "old": shape(old_geometry), "new": grown}


def test_compare_lists_exactly_the_three_edits(make_client, keys, db):
    client = make_client()
    edited = _edit_three(client, keys["editor"], db)
    r = client.get(f"/analysis/compare?left=2016-06-01&right={TODAY}")
    assert r.status_code == 200, r.text
    result = r.json()
    by_id = {f["id"]: f for f in result["features"]}
    assert set(by_id) == {edited["project"], edited["other"], edited["site"]}
    assert result["counts"] == {"added": 0, "retired": 0, "changed": 3}
    status = by_id[edited["project"]]
    assert status["status_transition"] == {"old": "unknown", "new": "ongoing"}
    assert status["changes"]["percent_complete"] == {"old": None, "new": 35}
    approval = by_id[edited["other"]]["changes"]
    assert approval == {"approval_no": {"old": None, "new": "晋城区发改〔2020〕7号"}}
    site = by_id[edited["site"]]
    assert site["geometry_changed"] is True and by_id[edited["other"]]["geometry_changed"] is False
    expected = transform(TO_M, edited["new"]).area - transform(TO_M, edited["old"]).area
    assert site["area_m2"]["delta"] == pytest.approx(expected, rel=1e-3)
    assert site["area_m2"]["old"] == pytest.approx(transform(TO_M, edited["old"]).area, rel=1e-3)
    # The same window before the edits: nothing.
    assert client.get("/analysis/compare?left=2016-06-01&right=2017-01-01").json()["counts"] == \
        {"added": 0, "retired": 0, "changed": 0}
    # Summary per 街道 / 片区 adds up to the features.
    assert sum(g["changed"] for g in result["summary"]["admin_unit"]) == 3
    assert sum(g["changed"] for g in result["summary"]["sub_area"]) == 3


def test_compare_sees_the_seed_load_and_formats(make_client, keys, db):
    client = make_client()
    _edit_three(client, keys["editor"], db)
    seeded = client.get("/analysis/compare?left=2016-01-01&right=2016-01-01&collections=projects").json()
    assert seeded["counts"]["changed"] == 0
    csv = client.get(f"/analysis/compare?left=2016-06-01&right={TODAY}&f=csv")
    assert csv.content.startswith(b"\xef\xbb\xbf") and csv.content.count(b"\r\n") == 4
    assert client.get(f"/analysis/compare?left=2016-06-01&right={TODAY}&f=xlsx").content[:2] == b"PK"
    geo = client.get(f"/analysis/compare?left=2016-06-01&right={TODAY}&f=geojson").json()
    assert len(geo["features"]) == 3
    assert next(f for f in geo["features"] if f["id"].startswith("urban_village_sites/"))["geometry"]["type"]
    only = client.get(f"/analysis/compare?left=2016-06-01&right={TODAY}&collections=urban_village_sites").json()
    assert only["counts"]["changed"] == 1


def test_compare_sees_a_seed_reload(migrated_db, engine_for, tmp_path):
    from gis_service.loader.load import load_layers
    from gis_service.services.analysis.compare import compare

    from ..conftest import backdate_loads
    from ..foundation.layer_fixtures import default_layers, feature, square, write_layers

    engine = engine_for(migrated_db)
    load_layers(engine, default_layers(tmp_path / "a"))
    with engine.begin() as conn:
        backdate_loads(conn, "2019-05-01 12:00+08")
    moved = [feature("p1", "晋城国际物流园", {"type": "Point", "coordinates": [112.86, 35.51]}),
             feature("p3", "新项目", {"type": "Point", "coordinates": [112.87, 35.52]})]
    load_layers(engine, write_layers(tmp_path / "b", moved, [feature("v1", "北石店村", square(112.89, 35.54, 0.02))]))
    with engine.connect() as conn:
        result = compare(conn, {"left": "2019-06-01", "right": TODAY})
    change = {f["id"]: f["change"] for f in result["features"]}
    assert change == {"p1": "changed", "p2": "retired", "p3": "added", "v1": "changed"}
    v1 = next(f for f in result["features"] if f["id"] == "v1")
    old = transform(TO_M, shape(square(112.89, 35.54)))
    new = transform(TO_M, shape(square(112.89, 35.54, 0.02)))
    assert v1["area_m2"]["delta"] == pytest.approx(new.area - old.area, rel=1e-3)


@pytest.mark.parametrize("query, parameter", [
    ("left=2020-01-02&right=2020-01-01", "left"),
    ("left=2015-06-01&right=2020-01-01", "left"),
    ("left=2020-01-01&right=2020-13-01", "right"),
    ("left=2020-01-01&right=2020-02-01&collections=nope", "collections"),
    ("left=2020-01-01&right=2020-02-01&unit=atlantis", "unit"),
    ("left=2020-01-01&right=2020-02-01&colour=red", "colour"),
    ("right=2020-02-01", "left"),
])
def test_bad_compare_requests(make_client, query, parameter):
    r = make_client().get(f"/analysis/compare?{query}")
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["detail"]["parameter"] == parameter and body["message_zh"] != body["message"]
