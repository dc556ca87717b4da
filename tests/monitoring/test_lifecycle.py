"""Stage plans: written through the edit path (key, If-Match, history, audit), status derived
from the latest started stage, flags from the dates, also under as_of."""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from .conftest import bearer, etag, first_ids

ITEM = "/collections/projects/items/{}"


def _patch(client, fid, body, key, tag=None, collection="projects"):
    item = f"/collections/{collection}/items/{fid}"
    headers = {**bearer(key), "If-Match": tag if tag is not None else etag(client, item)}
    return client.patch(f"{item}/stages", json=body, headers=headers)


def test_stage_edit_needs_editor_and_if_match_and_lands_in_history(make_client, keys, db):
    client = make_client()
    fid = first_ids(db, "projects")[0]
    item, body = ITEM.format(fid), {"stages": {"construction": {"planned_start": "2019-03-01",
                                                                 "planned_end": "2020-12-31"}},
                                     "responsible_unit": "城区住建局", "reason": "年度计划"}
    tag = etag(client, item)
    assert client.patch(f"{item}/stages", json=body, headers={"If-Match": tag}).status_code == 401
    assert client.patch(f"{item}/stages", json=body,
                        headers={"If-Match": tag, **bearer(keys["viewer"])}).status_code == 403
    missing = client.patch(f"{item}/stages", json=body, headers=bearer(keys["editor"]))
    assert missing.status_code == 428, missing.text
    ok = _patch(client, fid, body, keys["editor"], tag)
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"] == f'"{int(tag.strip(chr(34))) + 1}"' == etag(client, item)
    stale = _patch(client, fid, {"note": "x"}, keys["editor"], tag)
    assert stale.status_code == 412 and stale.json()["message_zh"] and stale.json()["message"]
    events = db("SELECT actor, action, old_values, new_values, reason FROM progress_events"
                " WHERE feature_id = :f AND action <> 'load'", f=fid)
    assert len(events) == 1
    actor, action, old, new, reason = events[0]
    assert (actor, action, reason) == ("editor-1", "stage", "年度计划")
    assert old == {"lifecycle": None}
    assert new["lifecycle"]["stages"]["construction"]["planned_end"] == "2020-12-31"
    assert new["lifecycle"]["responsible_unit"] == "城区住建局"
    audit = db("SELECT actor, status, feature_id FROM audit_log WHERE action = 'stage'")
    assert [tuple(r) for r in audit] == [("editor-1", 200, fid)]
    history = client.get(f"{item}/history").json()["events"]
    assert history[0]["action"] == "stage"


def test_status_follows_latest_started_stage_but_not_over_suspended(make_client, keys, db):
    client = make_client()
    fid, other = first_ids(db, "projects", 2)
    r = _patch(client, fid, {"stages": {"reserve": {"actual_start": "2018-01-01", "actual_end": "2018-06-30"},
                                        "construction": {"actual_start": "2019-05-01"}}}, keys["editor"])
    assert r.status_code == 200 and r.json()["status"] == "ongoing"
    assert client.get(ITEM.format(fid)).json()["properties"]["status"] == "ongoing"
    new = db("SELECT new_values FROM progress_events WHERE feature_id = :f AND action <> 'load'", f=fid)[0][0]
    assert new["status"] == "ongoing"
    item = ITEM.format(other)
    client.patch(item, json={"status": "suspended"}, headers={**bearer(keys["editor"]), "If-Match": etag(client, item)})
    r = _patch(client, other, {"stages": {"completion": {"actual_start": "2020-01-01"}}}, keys["editor"])
    assert r.status_code == 200 and r.json()["status"] == "suspended"


def test_village_stages_are_its_statuses(make_client, keys, db):
    client = make_client()
    vid = first_ids(db, "urban_village_sites")[0]
    r = _patch(client, vid, {"stages": {"signing": {"actual_start": "2019-01-01"}}}, keys["editor"],
               collection="urban_village_sites")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "signing"
    bad = _patch(client, vid, {"stages": {"construction": {"actual_start": "2019-01-01"}}}, keys["editor"],
                 collection="urban_village_sites")
    assert bad.status_code == 422 and "stages.construction" in bad.json()["detail"]["fields"]


def _fields(response) -> dict:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["message_zh"] != body["message"]
    return body["detail"]["fields"]


def test_bad_stage_input_is_a_bilingual_422_and_changes_nothing(make_client, keys, db):
    client = make_client()
    fid = first_ids(db, "projects")[0]
    tag = etag(client, ITEM.format(fid))
    cases = {
        "stages.construction.planned_end": {"construction": {"planned_start": "2020-05-01", "planned_end": "2020-01-01"}},
        "stages.demolition": {"demolition": {"planned_end": "2020-01-01"}},
        "stages.reserve.planned_start": {"reserve": {"planned_start": "2014-12-31"}},
        "stages.reserve.planned_end": {"reserve": {"planned_end": "2031-01-01"}},
        "stages.operation.actual_start": {"operation": {"actual_start": (dt.date.today() + dt.timedelta(days=40)).isoformat()}},
    }
    for field, stages in cases.items():
        fields = _fields(_patch(client, fid, {"stages": stages}, keys["editor"], tag))
        assert field in fields, (field, fields)
        assert fields[field]["message_zh"] and fields[field]["message"]
    assert etag(client, ITEM.format(fid)) == tag
    assert db("SELECT count(*) FROM progress_events WHERE feature_id = :f AND action <> 'load'", f=fid)[0][0] == 0
    assert db("SELECT count(*) FROM lifecycle_plans")[0][0] == 0
    r = client.patch("/collections/sub_areas/items/x/stages", json={}, headers=bearer(keys["editor"]))
    assert r.status_code == 405


def test_overdue_and_stalled_follow_the_dates_and_as_of(make_client, keys, db):
    client = make_client()
    fid = first_ids(db, "projects")[0]
    item = ITEM.format(fid)
    r = client.patch(item, json={"status": "ongoing", "status_date": "2019-01-10"},
                     headers={**bearer(keys["editor"]), "If-Match": etag(client, item)})
    assert r.status_code == 200
    assert _patch(client, fid, {"stages": {"construction": {"actual_start": "2019-01-01",
                                                            "planned_end": "2020-06-30"}}},
                  keys["editor"]).status_code == 200
    # Move the recorded history back, so as_of can look at days before and after the plan existed.
    db("ALTER TABLE progress_events DISABLE TRIGGER progress_events_append_only")
    db("UPDATE progress_events SET recorded_at = '2019-01-10 12:00+08' WHERE feature_id = :f AND action = 'update'", f=fid)
    db("UPDATE progress_events SET recorded_at = '2019-02-01 12:00+08' WHERE feature_id = :f AND action = 'stage'", f=fid)
    db("ALTER TABLE progress_events ENABLE TRIGGER progress_events_append_only")

    def flags(as_of):
        body = client.get(f"{item}/stages", params={"as_of": as_of} if as_of else {}).json()
        return body["overdue"], body["stalled"], body["stages"]

    assert flags("2019-01-20") == (False, False, {})                 # no plan recorded yet
    overdue, stalled, stages = flags("2020-06-30")
    assert stages["construction"]["planned_end"] == "2020-06-30" and not overdue and stalled
    assert flags("2020-07-01")[0] is True                            # planned end passed, no actual end
    assert flags("2019-07-30")[1] is False                           # 179 days after the last report
    assert flags("2019-08-01")[1] is True                            # 181 days
    assert client.get(f"{item}/stages", params={"as_of": "2019-08-01", "stalled_days": "365"}).json()["stalled"] is False
    # An actual end recorded now ends the overdue state now, not in the past.
    assert _patch(client, fid, {"stages": {"construction": {"actual_end": "2020-12-01"}}},
                  keys["editor"]).status_code == 200
    assert flags(None)[0] is False
    assert flags("2020-07-01")[0] is True
    bad = client.get(f"{item}/stages", params={"as_of": "2020-13-01"})
    assert bad.status_code == 400 and bad.json()["message_zh"]


def test_unknown_items_never_stall(make_client, db):
    client = make_client()
    fid = first_ids(db, "projects")[0]
    body = client.get(f"{ITEM.format(fid)}/stages", params={"as_of": "2030-01-01"}).json()
    assert body["status"] == "unknown" and body["stalled"] is False


def test_twenty_concurrent_stage_edits_on_twenty_features_all_land(make_client, keys, db):
    client = make_client(pool_size=25, pool_max_overflow=10, pool_timeout_s=30)
    ids = first_ids(db, "projects", 20)
    tags = {fid: etag(client, ITEM.format(fid)) for fid in ids}

    def edit(fid):
        return _patch(client, fid, {"stages": {"construction": {"planned_end": "2019-12-31"}}},
                      keys["editor"], tags[fid]).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(edit, ids))
    assert codes == [200] * 20
    assert db("SELECT count(*) FROM progress_events WHERE action = 'stage'")[0][0] == 20
    # each is overdue now: exactly one active overdue warning per feature
    rows = db("SELECT subject_id, count(*) FROM warnings WHERE rule = 'overdue' AND cleared_at IS NULL GROUP BY 1")
    assert sorted(r[0] for r in rows) == sorted(f"projects/{i}" for i in ids) and {r[1] for r in rows} == {1}


def test_twenty_concurrent_edits_on_one_feature_one_lands(make_client, keys, db):
    client = make_client(pool_size=25, pool_max_overflow=10, pool_timeout_s=30)
    fid = first_ids(db, "projects")[0]
    tag = etag(client, ITEM.format(fid))

    def edit(n):
        return _patch(client, fid, {"stages": {"construction": {"planned_end": f"2019-12-{n:02d}"}}},
                      keys["editor"], tag).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(edit, range(1, 21)))
    assert codes.count(200) == 1 and codes.count(412) == 19, codes
    assert db("SELECT count(*) FROM progress_events WHERE feature_id = :f AND action <> 'load'", f=fid)[0][0] == 1
    assert db("SELECT count(*) FROM warnings WHERE subject_id = :s", s=f"projects/{fid}")[0][0] == 1


def test_suspended_and_stalled_raise_warnings_and_resuming_clears(make_client, keys, db):
    client = make_client()
    a, b = first_ids(db, "projects", 2)
    for fid, body in ((a, {"status": "suspended"}), (b, {"status": "ongoing", "status_date": "2019-01-01"})):
        item = ITEM.format(fid)
        r = client.patch(item, json=body, headers={**bearer(keys["editor"]), "If-Match": etag(client, item)})
        assert r.status_code == 200
    active = lambda: sorted(tuple(r) for r in db(  # noqa: E731
        "SELECT rule, subject_id, severity FROM warnings WHERE cleared_at IS NULL"))
    assert active() == [("suspended", f"projects/{a}", "yellow")]   # b reported just now: not stalled
    db("ALTER TABLE progress_events DISABLE TRIGGER progress_events_append_only")
    db("UPDATE progress_events SET recorded_at = '2019-01-01 12:00+08' WHERE feature_id = :f AND action <> 'load'", f=b)
    db("ALTER TABLE progress_events ENABLE TRIGGER progress_events_append_only")
    assert client.post("/monitoring/evaluate", headers=bearer(keys["viewer"])).status_code == 403
    assert client.post("/monitoring/evaluate", headers=bearer(keys["editor"])).status_code == 200
    assert active() == sorted([("suspended", f"projects/{a}", "yellow"), ("stalled", f"projects/{b}", "yellow")])
    item = ITEM.format(a)
    client.patch(item, json={"status": "ongoing"}, headers={**bearer(keys["editor"]), "If-Match": etag(client, item)})
    assert active() == [("stalled", f"projects/{b}", "yellow")]
    assert db("SELECT status FROM warnings WHERE rule = 'suspended'")[0][0] == "cleared"
