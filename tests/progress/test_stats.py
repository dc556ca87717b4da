"""GET /stats/progress: grouping by the plan's hints then location, rates, as_of, CSV/XLSX."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from .conftest import bearer


def _patch(client, key, cid, fid, body):
    path = f"/collections/{cid}/items/{fid}"
    etag = client.get(path).headers["etag"]
    r = client.patch(path, json=body, headers={**bearer(key), "If-Match": etag})
    assert r.status_code == 200, r.text


def test_stats_by_admin_unit_and_as_of(make_client, keys, db):
    client = make_client()
    # Two projects the plan places in 北石店 by its area hint.
    fids = [r[0] for r in db("SELECT id FROM projects WHERE area_hint = '北石店' ORDER BY id LIMIT 2")]
    before = client.get("/stats/progress", params={"group_by": "admin_unit", "collection": "projects"}).json()
    beishidian = next(g for g in before["groups"] if g["key"] == "beishidian")
    total = beishidian["total"]
    assert beishidian["reported"] == 0 and beishidian["basis"]["area_hint"] >= 2
    assert "beishidian" in [u["key"] for u in before["units_without_reports"]]
    _patch(client, keys["editor"], "projects", fids[0],
           {"status": "completed", "investment_planned_wan": 1000, "investment_completed_wan": 800})
    _patch(client, keys["editor"], "projects", fids[1],
           {"status": "ongoing", "investment_planned_wan": 3000, "investment_completed_wan": 1200})
    after = client.get("/stats/progress", params={"group_by": "admin_unit", "collection": "projects"}).json()
    group = next(g for g in after["groups"] if g["key"] == "beishidian")
    assert (group["total"], group["reported"], group["finished"]) == (total, 2, 1)
    assert group["by_status"]["completed"] == 1 and group["by_status"]["ongoing"] == 1
    assert group["completion_rate"] == round(1 / total, 4)
    assert group["investment_completion_rate"] == 0.5  # (800 + 1200) / (1000 + 3000)
    assert "beishidian" not in [u["key"] for u in after["units_without_reports"]]
    assert after["unlocated"]["total"] > 0  # projects with neither geometry nor hint

    # Recorded "last quarter": the day before, nothing was reported yet.
    db("ALTER TABLE progress_events DISABLE TRIGGER progress_events_append_only")
    db("UPDATE progress_events SET recorded_at = '2020-07-01 10:00+08' WHERE action <> 'load'")
    db("ALTER TABLE progress_events ENABLE TRIGGER progress_events_append_only")
    old = client.get("/stats/progress", params={"group_by": "admin_unit", "collection": "projects",
                                                "as_of": "2020-06-30"}).json()
    old_group = next(g for g in old["groups"] if g["key"] == "beishidian")
    assert old_group["reported"] == 0 and old["as_of"] == "2020-06-30"
    same_day = client.get("/stats/progress", params={"group_by": "admin_unit", "collection": "projects",
                                                     "as_of": "2020-07-01"}).json()
    assert next(g for g in same_day["groups"] if g["key"] == "beishidian")["reported"] == 2


def test_stats_groupings_and_files(make_client):
    client = make_client()
    by_sub = client.get("/stats/progress", params={"group_by": "sub_area"}).json()
    assert {g["key"] for g in by_sub["groups"]} == {"dongbeibu", "nanbu", "xibeibu", "zhongbu"}
    total = sum(g["total"] for g in by_sub["groups"]) + (by_sub["unlocated"] or {"total": 0})["total"]
    by_category = client.get("/stats/progress", params={"group_by": "category"}).json()
    assert sum(g["total"] for g in by_category["groups"]) == total
    csv_body = client.get("/stats/progress", params={"group_by": "plan_ref", "f": "csv"})
    assert csv_body.headers["content-type"].startswith("text/csv")
    assert csv_body.content.startswith(b"\xef\xbb\xbf") and b"completion_rate" in csv_body.content
    xlsx = client.get("/stats/progress", params={"group_by": "sub_area", "f": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == len(by_sub["groups"]) + 1 + (1 if by_sub["unlocated"] else 0)
    assert client.get("/stats/progress", params={"group_by": "colour"}).status_code == 400
