"""POST /collections/{id}/items: editors create features; the seed files keep owning theirs."""
from __future__ import annotations

import datetime as dt
import re
import uuid

import shapely
from sqlalchemy import create_engine

from gis_service.loader.load import load_layers

from ..conftest import LAYERS_DIR
from .conftest import bearer

ITEMS = "/collections/{}/items"


def inside_point(db) -> list[float]:
    """A point surely inside 城区, found by PostGIS (not by the code under test)."""
    x, y = db("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM admin_units "
              "WHERE category = 'district') s")[0]
    return [round(x, 6), round(y, 6)]


def point_feature(coords, **props) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": coords},
            "properties": {"name": "新增测试项目", **props}}


def counts(db, table: str) -> tuple[int, int, int]:
    """Rows, history events and successful audited writes (refusals are audited too)."""
    return (db(f"SELECT count(*) FROM {table}")[0][0], db("SELECT count(*) FROM progress_events")[0][0],
            db("SELECT count(*) FROM audit_log WHERE status < 400")[0][0])


def test_editor_creates_a_project(make_client, keys, db):
    client = make_client()
    body = point_feature(inside_point(db), status="ongoing", percent_complete=30, status_date="2020-05-01",
                         investment_planned_wan=1200.5)
    r = client.post(ITEMS.format("projects"), json=body, headers=bearer(keys["editor"]))
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    assert re.fullmatch(r"u-[0-9a-f-]{36}", fid) and uuid.UUID(fid[2:])
    assert r.headers["location"].endswith(f"/collections/projects/items/{fid}")
    got = client.get(r.headers["location"])
    assert got.status_code == 200 and got.headers["etag"] == r.headers["etag"] == '"1"'
    props = got.json()["properties"]
    assert (props["name"], props["status"], props["percent_complete"], props["status_date"]) == \
        ("新增测试项目", "ongoing", 30, "2020-05-01")
    assert (props["location_basis"], props["geometry_quality"]) == ("user", "approximate")
    row = db("SELECT origin, ST_AsText(geom) FROM projects WHERE id = :f", f=fid)[0]
    assert row[0] == "editor" and shapely.from_wkt(row[1]).equals(shapely.Point(body["geometry"]["coordinates"]))
    events = client.get(f"{ITEMS.format('projects')}/{fid}/history").json()["events"]
    assert [(e["action"], e["actor"], e["version"]) for e in events] == [("create", "editor-1", 1)]
    assert events[0]["new_values"]["status"] == "ongoing"
    audit = db("SELECT action, status, actor FROM audit_log WHERE feature_id = :f", f=fid)
    assert audit == [("create", 201, "editor-1")]


def test_a_given_id_is_kept_and_a_duplicate_refused(make_client, keys, db):
    client = make_client()
    body = {**point_feature(inside_point(db)), "id": "u-office-1"}
    assert client.post(ITEMS.format("other_places"), json=body, headers=bearer(keys["editor"])).status_code == 201
    before = counts(db, "other_places")
    r = client.post(ITEMS.format("other_places"), json=body, headers=bearer(keys["editor"]))
    assert r.status_code == 409 and "u-office-1" in r.json()["message_zh"] and "already" in r.json()["message"]
    assert counts(db, "other_places") == before


def test_seed_reload_keeps_created_features(make_client, keys, db, loaded_db):
    client = make_client()
    r = client.post(ITEMS.format("projects"), json=point_feature(inside_point(db)), headers=bearer(keys["editor"]))
    fid = r.json()["id"]
    engine = create_engine(loaded_db)
    report = load_layers(engine, LAYERS_DIR)
    engine.dispose()
    assert report.retired.get("projects", 0) == 0
    assert db("SELECT retired, name, version FROM projects WHERE id = :f", f=fid) == [(False, "新增测试项目", 1)]
    assert client.get(f"{ITEMS.format('projects')}/{fid}").status_code == 200
    # As recorded before it was created, it did not exist.
    yesterday = (dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date() - dt.timedelta(days=1)).isoformat()
    ids = {f["id"] for f in client.get(ITEMS.format("projects"), params={"as_of": yesterday, "limit": 1000})
           .json()["features"]}
    assert fid not in ids and ids


def test_seed_files_may_not_use_the_editor_namespace(tmp_path):
    import json
    import shutil

    import pytest

    from gis_service.loader.load import read_all
    from gis_service.loader.validate import LayerValidationError

    shutil.copytree(LAYERS_DIR, tmp_path / "layers")
    path = tmp_path / "layers" / "projects.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"][0]["properties"]["id"] = "u-seed"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LayerValidationError, match="u-"):
        read_all(tmp_path / "layers")


def test_bad_creates_change_nothing(make_client, keys, db):
    client = make_client()
    editor = bearer(keys["editor"])
    x, y = inside_point(db)
    outside = [112.45, 35.25]
    assert db("SELECT ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4490)) FROM admin_units "
              "WHERE category = 'district'", x=outside[0], y=outside[1]) == [(False,)]
    bowtie = {"type": "Polygon", "coordinates": [[[x, y], [x + .001, y + .001], [x + .001, y], [x, y + .001], [x, y]]]}
    cases = [
        ("ecology_sites", {"type": "Feature", "geometry": bowtie, "properties": {"name": "自交"}}, 422, "geometry"),
        ("projects", point_feature(outside), 422, "geometry"),
        ("projects", {"type": "Feature", "geometry": bowtie, "properties": {"name": "面"}}, 422, "geometry"),
        ("projects", point_feature([x, y], name=None), 422, "name"),
        ("projects", point_feature([x, y], status="nonsense"), 422, "status"),
        ("projects", point_feature([x, y], zone_class="x"), 422, "zone_class"),
        ("projects", {**point_feature([x, y]), "id": "p-1"}, 422, "id"),
        ("projects", {"type": "FeatureCollection", "features": []}, 422, "body"),
    ]
    before = counts(db, "projects") + counts(db, "ecology_sites")
    for collection, body, status, field in cases:
        r = client.post(ITEMS.format(collection), json=body, headers=editor)
        assert r.status_code == status, (body, r.text)
        err = r.json()
        assert err["message_zh"] and err["message"] and field in err["detail"]["fields"], err
    assert counts(db, "projects") + counts(db, "ecology_sites") == before


def test_who_may_create_where(make_client, keys, db):
    client = make_client()
    body = point_feature(inside_point(db))
    r = client.post(ITEMS.format("function_zones"), json=body, headers=bearer(keys["editor"]))
    assert r.status_code == 405 and "规划文件" in r.json()["message_zh"] and "seed files" in r.json()["message"]
    assert client.post(ITEMS.format("projects"), json=body).status_code == 401
    assert client.post(ITEMS.format("projects"), json=body, headers=bearer(keys["viewer"])).status_code == 403
    assert client.post(ITEMS.format("nope"), json=body, headers=bearer(keys["editor"])).status_code == 404


def test_options_allow_per_role(make_client, keys, db):
    client = make_client()
    fid = db("SELECT id FROM projects ORDER BY id LIMIT 1")[0][0]

    def allow(path, key=None):
        return {m.strip() for m in client.options(path, headers=bearer(key) if key else {}).headers["allow"].split(",")}

    assert "POST" in allow(ITEMS.format("projects"), keys["editor"])
    assert "POST" in allow(ITEMS.format("other_places"), keys["admin"])
    assert "POST" not in allow(ITEMS.format("projects"), keys["viewer"])
    assert "POST" not in allow(ITEMS.format("projects"))
    assert "POST" not in allow(ITEMS.format("function_zones"), keys["editor"])
    assert {"PUT", "PATCH", "DELETE"} <= allow(f"{ITEMS.format('projects')}/{fid}", keys["editor"])
    assert "PUT" not in allow(f"{ITEMS.format('projects')}/{fid}", keys["viewer"])


def test_unconditional_writes_flag(make_client, keys, db):
    client = make_client(require_if_match=True)
    fid = db("SELECT id FROM projects ORDER BY id LIMIT 1")[0][0]
    path = f"{ITEMS.format('projects')}/{fid}"
    assert client.patch(path, json={"percent_complete": 10}, headers=bearer(keys["editor"])).status_code == 428
    # Only an admin sets the flag.
    flag = {"unconditional_writes": True}
    assert client.patch("/keys/editor-1", json=flag, headers=bearer(keys["editor"])).status_code == 403
    assert client.patch("/keys/editor-1", json={"unconditional_writes": "yes"},
                        headers=bearer(keys["admin"])).status_code == 422
    r = client.patch("/keys/editor-1", json=flag, headers=bearer(keys["admin"]))
    assert r.status_code == 200 and r.json()["keys"][0]["unconditional_writes"] is True
    r = client.patch(path, json={"percent_complete": 10}, headers=bearer(keys["editor"]))
    assert r.status_code == 200 and r.headers["x-unconditional-write"] == "recorded"
    event = client.get(f"{path}/history").json()["events"][0]
    assert event["unconditional"] is True and event["new_values"]["percent_complete"] == 10
    # A stale If-Match is still refused: the flag only waives a missing one.
    assert client.patch(path, json={"percent_complete": 11}, headers={**bearer(keys["editor"]), "If-Match": '"1"'}
                        ).status_code == 412
    assert db("SELECT action FROM audit_log WHERE action = 'key_unconditional'") == [("key_unconditional",)]


def test_create_in_a_user_collection(make_client, keys, db, loaded_db, tmp_path):
    import geopandas as gpd

    from gis_service.loader.user_import import import_user_file

    x, y = inside_point(db)
    path = tmp_path / "mine.geojson"
    gpd.GeoDataFrame({"label": ["a"], "height": [3.5]}, geometry=[shapely.Point(x, y)], crs=4490).to_file(path)
    engine = create_engine(loaded_db)
    import_user_file(engine, path, "my_points")
    engine.dispose()
    client = make_client()
    editor = bearer(keys["editor"])
    r = client.post(ITEMS.format("my_points"), json={"type": "Feature", "geometry": {"type": "Point",
                    "coordinates": [x, y]}, "properties": {"label": "b", "height": 4}}, headers=editor)
    assert r.status_code == 201, r.text
    assert client.get(r.headers["location"]).json()["properties"] == {"label": "b", "height": 4}
    bad = client.post(ITEMS.format("my_points"), json={"type": "Feature", "geometry": {"type": "Point",
                      "coordinates": [x, y]}, "properties": {"height": "tall", "colour": 1}}, headers=editor)
    assert bad.status_code == 422 and {"height", "colour"} <= set(bad.json()["detail"]["fields"])
    assert db("SELECT count(*) FROM user_features WHERE collection_id = 'my_points'") == [(2,)]
    assert db("SELECT action FROM progress_events WHERE collection_id = 'my_points'") == [("create",)]
