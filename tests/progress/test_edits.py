"""Edits: who may write, optimistic concurrency, validation, geometry corrections, history."""
from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor

from .conftest import bearer

PROJECT = "/collections/projects/items"


def _first_project(db) -> str:
    return db("SELECT id FROM projects WHERE NOT retired AND geom IS NOT NULL ORDER BY id LIMIT 1")[0][0]


def _etag(client, path, headers=None) -> str:
    return client.get(path, headers=headers or {}).headers["etag"]


def test_write_needs_editor_and_records_one_history_row(make_client, keys, db):
    client = make_client()
    fid = _first_project(db)
    path = f"{PROJECT}/{fid}"
    body = {"status": "ongoing", "percent_complete": 30, "status_date": "2019-06-30"}
    etag = _etag(client, path)
    assert client.patch(path, json=body, headers={"If-Match": etag}).status_code == 401
    viewer = client.patch(path, json=body, headers={"If-Match": etag, **bearer(keys["viewer"])})
    assert viewer.status_code == 403, viewer.text
    assert db("SELECT count(*) FROM progress_events"
              " WHERE feature_id = :f AND action <> 'load'", f=fid)[0][0] == 0
    ok = client.patch(path, json=body, headers={"If-Match": etag, **bearer(keys["editor"])})
    assert ok.status_code == 200, ok.text
    assert ok.json()["properties"]["status"] == "ongoing"
    assert ok.headers["etag"] == f'"{int(etag.strip(chr(34))) + 1}"'
    events = db("SELECT actor, old_values, new_values, unconditional FROM progress_events"
              " WHERE feature_id = :f AND action <> 'load'", f=fid)
    assert len(events) == 1
    actor, old, new, unconditional = events[0]
    assert actor == "editor-1" and not unconditional
    assert old == {"status": "unknown", "percent_complete": None, "status_date": None}
    assert new == {"status": "ongoing", "percent_complete": 30.0, "status_date": "2019-06-30"}
    refused = db("SELECT status, actor FROM audit_log WHERE action = 'refused' ORDER BY id")
    assert [tuple(r) for r in refused] == [(401, "anonymous"), (403, "viewer-1")]


def test_key_headers_basic_and_no_query_string(make_client, keys, db):
    client = make_client()
    fid = _first_project(db)
    path = f"{PROJECT}/{fid}"
    basic = base64.b64encode(f"anyone:{keys['editor']}".encode()).decode()
    r = client.patch(path, json={"progress_note": "a"}, headers={"If-Match": _etag(client, path),
                                                                 "Authorization": f"Basic {basic}"})
    assert r.status_code == 200, r.text
    r = client.patch(path, json={"progress_note": "b"}, headers={"If-Match": _etag(client, path),
                                                                 "X-API-Key": keys["editor"]})
    assert r.status_code == 200, r.text
    r = client.patch(f"{path}?api_key={keys['editor']}", json={"progress_note": "c"},
                     headers={"If-Match": _etag(client, path)})
    assert r.status_code == 400 and r.json()["code"] == "key_in_query"
    assert client.get(path, headers=bearer("gk_wrong")).status_code == 401


def test_preconditions(make_client, keys, db):
    client = make_client()
    fid = _first_project(db)
    path = f"{PROJECT}/{fid}"
    h = bearer(keys["editor"])
    assert client.patch(path, json={"status": "planned"}, headers=h).status_code == 428
    etag = _etag(client, path)
    assert client.patch(path, json={"status": "planned"}, headers={**h, "If-Match": etag}).status_code == 200
    stale = client.patch(path, json={"status": "ongoing"}, headers={**h, "If-Match": etag})
    assert stale.status_code == 412 and stale.json()["code"] == "stale_version"
    loose = make_client(require_if_match=False)
    r = loose.patch(path, json={"status": "ongoing"}, headers=h)
    assert r.status_code == 200
    assert db("SELECT unconditional FROM progress_events"
              " WHERE feature_id = :f AND action <> 'load' ORDER BY id", f=fid) == [(False,), (True,)]


def test_fifty_concurrent_patches_one_wins(make_client, keys, db):
    client = make_client(pool_size=30, pool_max_overflow=40, pool_timeout_s=30)
    fid = _first_project(db)
    path = f"{PROJECT}/{fid}"
    etag = _etag(client, path)
    headers = {**bearer(keys["editor"]), "If-Match": etag}

    def patch(i):
        return client.patch(path, json={"percent_complete": i, "status": "ongoing"}, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        codes = list(pool.map(patch, range(1, 51)))
    assert codes.count(200) == 1 and codes.count(412) == 49, codes
    assert db("SELECT count(*) FROM progress_events"
              " WHERE feature_id = :f AND action <> 'load'", f=fid)[0][0] == 1


def test_validation_names_each_bad_field(make_client, keys, db):
    client = make_client()
    fid = db("SELECT id FROM urban_village_sites ORDER BY id LIMIT 1")[0][0]
    path = f"/collections/urban_village_sites/items/{fid}"
    bad = {"status": "ongoing", "percent_complete": 120, "status_date": "2999-01-01", "signing_rate": 101,
           "name": "renamed"}
    r = client.patch(path, json=bad, headers={**bearer(keys["editor"]), "If-Match": _etag(client, path)})
    assert r.status_code == 422
    assert set(r.json()["detail"]["fields"]) == {"status", "percent_complete", "status_date", "signing_rate", "name"}
    r = client.patch(path, json={"signing_rate": 60, "vacated_rate": 70},
                     headers={**bearer(keys["editor"]), "If-Match": _etag(client, path)})
    assert r.status_code == 422 and set(r.json()["detail"]["fields"]) == {"vacated_rate"}
    r = client.patch(path, json={"status": "signing", "signing_rate": 80, "vacated_rate": 20, "demolished_area_m2": 1200},
                     headers={**bearer(keys["editor"]), "If-Match": _etag(client, path)})
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["signing_rate"] == 80


def test_geometry_correction_keeps_old_geometry_in_history(make_client, keys, db):
    client = make_client()
    fid = db("SELECT id FROM urban_village_sites WHERE geom IS NOT NULL ORDER BY id LIMIT 1")[0][0]
    path = f"/collections/urban_village_sites/items/{fid}"
    old_wkt = db("SELECT ST_AsText(geom) FROM urban_village_sites WHERE id = :f", f=fid)[0][0]
    surveyed = {"type": "Polygon", "coordinates": [[[112.85, 35.50], [112.852, 35.50], [112.852, 35.502],
                                                    [112.85, 35.502], [112.85, 35.50]]]}
    body = {"type": "Feature", "geometry": surveyed,
            "properties": {"geometry_quality": "official", "location_basis": "surveyed"}, "reason": "实测红线"}
    r = client.patch(path, json=body, headers={**bearer(keys["editor"]), "If-Match": _etag(client, path)})
    assert r.status_code == 200, r.text
    props = r.json()["properties"]
    assert (props["geometry_quality"], props["location_basis"]) == ("official", "surveyed")
    events = client.get(f"{path}/history").json()["events"]
    assert events[-1]["action"] == "load"  # the seed load that added it is history too
    history = [e for e in events if e["action"] != "load"]
    assert len(history) == 1 and history[0]["reason"] == "实测红线"
    old_geojson = history[0]["old_values"]["geometry"]
    restored = db("SELECT ST_AsText(ST_SetSRID(ST_GeomFromGeoJSON(:g), 4490)) = :w "
                  "OR ST_Equals(ST_GeomFromGeoJSON(:g), ST_GeomFromText(:w))", g=old_geojson, w=old_wkt)[0][0]
    assert restored
    assert json.loads(history[0]["new_values"]["geometry"])["type"] == "MultiPolygon"


def test_options_allow_reflects_rights(make_client, keys, db):
    client = make_client()
    path = f"{PROJECT}/{_first_project(db)}"
    assert "PATCH" not in client.options(path).headers["allow"]
    assert "PATCH" not in client.options(path, headers=bearer(keys["viewer"])).headers["allow"]
    assert "PATCH" in client.options(path, headers=bearer(keys["editor"])).headers["allow"]
    admin_unit = "/collections/admin_units/items/beijie"
    assert "PATCH" not in client.options(admin_unit, headers=bearer(keys["editor"])).headers["allow"]


def test_delete_is_soft_and_in_history(make_client, keys, db):
    client = make_client()
    fid = _first_project(db)
    path = f"{PROJECT}/{fid}"
    r = client.delete(path, headers={**bearer(keys["editor"]), "If-Match": _etag(client, path)})
    assert r.status_code == 204
    assert client.get(path).status_code == 404
    assert db("SELECT retired FROM projects WHERE id = :f", f=fid) == [(True,)]
    assert db("SELECT action, new_values FROM progress_events"
              " WHERE feature_id = :f AND action <> 'load'", f=fid) == [("delete", {"retired": True})]


def test_as_of_on_items_returns_the_recorded_state(make_client, keys, db):
    import datetime as dt

    client = make_client()
    fid = _first_project(db)
    path = f"{PROJECT}/{fid}"
    r = client.patch(path, json={"status": "ongoing", "status_date": "2019-06-30"},
                     headers={**bearer(keys["editor"]), "If-Match": _etag(client, path)})
    assert r.status_code == 200
    # Pretend that change was recorded on 2020-03-31 at 22:00 Beijing time.
    db("ALTER TABLE progress_events DISABLE TRIGGER progress_events_append_only")
    db("UPDATE progress_events SET recorded_at = '2020-03-31 22:00+08' WHERE feature_id = :f AND action <> 'load'", f=fid)
    db("ALTER TABLE progress_events ENABLE TRIGGER progress_events_append_only")
    today = client.get(f"{PROJECT}?id={fid}").json()["features"][0]["properties"]
    assert today["status"] == "ongoing"
    before = client.get(f"{PROJECT}?id={fid}&as_of=2020-03-30").json()
    assert before["features"][0]["properties"]["status"] == "unknown"
    assert before["as_of"] == "2020-03-30"
    same_day = client.get(f"{PROJECT}?id={fid}&as_of=2020-03-31").json()["features"][0]["properties"]
    assert same_day["status"] == "ongoing" and same_day["status_date"] == "2019-06-30"
    n_now = client.get(f"{PROJECT}?limit=1").json()["numberMatched"]
    assert client.get(f"{PROJECT}?limit=1&as_of=2016-01-01").json()["numberMatched"] == n_now
    assert client.get(f"{PROJECT}?as_of=yesterday").status_code == 400
    assert dt.date.fromisoformat(before["as_of"])
