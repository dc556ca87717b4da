"""as_of is honoured wherever it is accepted, and refused (400) where it cannot be."""
from __future__ import annotations

from .conftest import bearer, etag, first_ids


def test_single_item_honours_as_of(make_client, keys, db):
    client = make_client()
    fid = first_ids(db, "projects")[0]
    item = f"/collections/projects/items/{fid}"
    r = client.patch(item, json={"status": "ongoing"}, headers={**bearer(keys["editor"]), "If-Match": etag(client, item)})
    assert r.status_code == 200
    db("ALTER TABLE progress_events DISABLE TRIGGER progress_events_append_only")
    db("UPDATE progress_events SET recorded_at = '2020-07-01 10:00+08' WHERE feature_id = :f AND action <> 'load'", f=fid)
    db("ALTER TABLE progress_events ENABLE TRIGGER progress_events_append_only")
    assert client.get(item).json()["properties"]["status"] == "ongoing"
    before = client.get(item, params={"as_of": "2020-06-30"})
    assert before.status_code == 200 and before.json()["properties"]["status"] == "unknown"
    assert before.json()["as_of"] == "2020-06-30"
    assert before.headers["etag"].startswith('W/"')            # never usable as If-Match
    listed = client.get("/collections/projects/items", params={"as_of": "2020-06-30", "limit": 1000}).json()
    assert next(f for f in listed["features"] if f["id"] == fid)["properties"]["status"] == "unknown"
    after = client.get(item, params={"as_of": "2020-07-01"}).json()
    assert after["properties"]["status"] == "ongoing"
    stale = client.patch(item, json={"status": "completed"},
                         headers={**bearer(keys["editor"]), "If-Match": before.headers["etag"]})
    assert stale.status_code == 412
    bad = client.get(item, params={"as_of": "yesterday"})
    assert bad.status_code == 400 and bad.json()["message_zh"] and bad.json()["message"]


def test_as_of_refused_where_not_honoured(make_client):
    client = make_client()
    for path in ("/maps/overview.png", "/maps/zones.png"):
        r = client.get(path, params={"as_of": "2020-01-01"})
        assert r.status_code == 400, (path, r.status_code)
        assert r.json()["detail"]["parameter"] == "as_of" and r.json()["message_zh"]
    assert client.get("/maps/progress.png", params={"as_of": "2020-01-01", "dpi": 50}).status_code == 200
    for path in ("/monitoring/works", "/monitoring/spatial", "/monitoring/warnings", "/monitoring"):
        r = client.get(path, params={"as_of": "2020-02-30"})
        assert r.status_code == 400, path
        assert r.json()["message_zh"] and r.json()["message"]


def test_warnings_as_of_are_those_open_then(make_client, keys, db):
    client = make_client()
    fid = first_ids(db, "projects")[0]
    item = f"/collections/projects/items/{fid}"
    client.patch(f"{item}/stages", json={"stages": {"construction": {"planned_end": "2019-06-30"}}},
                 headers={**bearer(keys["editor"]), "If-Match": etag(client, item)})
    assert len(client.get("/monitoring/warnings", params={"active": "true"}).json()["warnings"]) == 1
    assert client.get("/monitoring/warnings", params={"as_of": "2020-01-01"}).json()["warnings"] == []


def test_as_of_out_of_range_is_a_400_everywhere(make_client):
    client = make_client()
    for path in ("/stats/progress", "/maps/progress", "/collections/projects/items", "/monitoring/works",
                 "/monitoring/spatial", "/maps/progress.png"):
        for day in ("9999-12-31", "1999-12-31"):
            r = client.get(path, params={"as_of": day, "dpi": 50} if path.endswith(".png") else {"as_of": day})
            assert r.status_code == 400, (path, day, r.status_code)
            assert r.json()["message_zh"] and r.json()["message"]
