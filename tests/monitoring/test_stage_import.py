"""Bulk stage-plan import: dry run previews exactly, applying is all-or-nothing, rows go
through the stage edit path (history, derived status)."""
from __future__ import annotations

import io

from openpyxl import Workbook

from .conftest import bearer, first_ids


def _csv(rows: list[list[str]]) -> bytes:
    return "\r\n".join(",".join(r) for r in rows).encode("utf-8-sig")


def _post(client, key, data: bytes, name: str, dry_run: bool):
    return client.post("/monitoring/stages/import", headers=bearer(key),
                       files={"file": (name, data)}, data={"dry_run": str(dry_run).lower()})


def test_dry_run_then_apply_csv(make_client, keys, db):
    client = make_client()
    a, b = first_ids(db, "projects", 2)
    sheet = _csv([["图层", "编号", "阶段", "计划开始", "计划完成", "实际开始", "责任单位"],
                  ["projects", a, "施工", "2019-03-01", "2020-06-30", "2019-04-01", "城区住建局"],
                  ["projects", a, "竣工", "2020-07-01", "2020-12-31", "", ""],
                  ["projects", b, "reserve", "2018-01-01", "2018-12-31", "", ""]])
    preview = _post(client, keys["editor"], sheet, "plan.csv", True)
    assert preview.status_code == 200, preview.text
    assert preview.json()["summary"] == {"rows": 3, "change": 3, "unchanged": 0, "error": 0}
    assert db("SELECT count(*) FROM lifecycle_plans")[0][0] == 0
    assert db("SELECT count(*) FROM progress_events WHERE action <> 'load'")[0][0] == 0
    applied = _post(client, keys["editor"], sheet, "plan.csv", False)
    assert applied.status_code == 200 and applied.json()["applied"] is True
    stages = client.get(f"/collections/projects/items/{a}/stages").json()
    assert set(stages["stages"]) == {"construction", "completion"}
    assert stages["status"] == "ongoing" and stages["responsible_unit"] == "城区住建局"
    assert db("SELECT count(*) FROM progress_events WHERE action = 'stage'")[0][0] == 2
    assert db("SELECT count(*) FROM audit_log WHERE action = 'stage_import'")[0][0] == 1


def test_one_bad_row_applies_nothing_xlsx(make_client, keys, db):
    client = make_client()
    a, b = first_ids(db, "projects", 2)
    book = Workbook()
    sheet = book.active
    sheet.append(["collection", "id", "stage", "planned_start", "planned_end"])
    sheet.append(["projects", a, "construction", "2019-03-01", "2020-06-30"])
    sheet.append(["projects", b, "construction", "2020-03-01", "2019-06-30"])   # end before start
    sheet.append(["projects", b, "拆迁", "2019-03-01", "2019-06-30"])            # unknown stage
    sheet.append(["projects", a, "reserve", "2012-03-01", ""])                   # outside 2015-2030
    buffer = io.BytesIO()
    book.save(buffer)
    r = _post(client, keys["editor"], buffer.getvalue(), "plan.xlsx", False)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["message_zh"] and body["message"]
    errors = {e["row"]: {x["field"] for x in e["errors"]} for e in body["detail"]["errors"]}
    assert errors == {3: {"planned_end"}, 4: {"stage"}, 5: {"planned_start"}}
    assert db("SELECT count(*) FROM lifecycle_plans")[0][0] == 0
    assert db("SELECT count(*) FROM progress_events WHERE action <> 'load'")[0][0] == 0
    assert _post(client, keys["viewer"], buffer.getvalue(), "plan.xlsx", True).status_code == 403
