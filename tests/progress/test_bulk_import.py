"""Bulk import: 40 rows, 3 bad → the dry run lists exactly those 3; apply refuses; skip_invalid applies 37."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from typer.testing import CliRunner

from gis_service.cli import app

from .conftest import bearer


def _sheet(db) -> tuple[str, list[int]]:
    rows = db("SELECT id, name FROM projects p WHERE NOT retired AND NOT EXISTS (SELECT 1 FROM ecology_sites e "
              "WHERE e.name = p.name) ORDER BY id LIMIT 38")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["collection", "id", "name", "status", "percent", "date", "note"])
    for i, (fid, name) in enumerate(rows[:36]):
        # Half by id, half by exact name without the collection (names are unique here).
        writer.writerow(["projects", fid, "", "ongoing", 10 + i, "2019-12-31", f"季度报告 {i}"]
                        if i % 2 else ["", "", name, "在建", 10 + i, "2019/12/31", f"季度报告 {i}"])
    writer.writerow(["", "", rows[0][1][:-1] + "X", "ongoing", 50, "2019-12-31", ""])        # row 38: typo in name
    writer.writerow(["projects", rows[36][0], "", "halfway", 50, "2019-12-31", ""])          # row 39: bad status
    writer.writerow(["projects", rows[37][0], "", "ongoing", 50, "2999-01-01", ""])          # row 40: future date
    fid = db("SELECT id FROM urban_village_sites ORDER BY id LIMIT 1")[0][0]
    writer.writerow(["urban_village_sites", fid, "", "signing", 20, "2019-12-31", "签约中"])  # row 41: fine
    return out.getvalue(), [38, 39, 40]


def rows_first_name(db) -> str:
    return db("SELECT name FROM projects p WHERE NOT EXISTS (SELECT 1 FROM ecology_sites e WHERE e.name = p.name) "
              "ORDER BY id LIMIT 1")[0][0]


def test_dry_run_refuse_and_skip_invalid(make_client, keys, db):
    client = make_client()
    sheet, bad_rows = _sheet(db)
    files = {"file": ("进展台账.csv", sheet.encode("utf-8-sig"), "text/csv")}
    h = bearer(keys["editor"])
    preview = client.post("/progress/import", files=files, data={"dry_run": "true"}, headers=h)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["summary"] == {"rows": 40, "change": 37, "unchanged": 0, "error": 3}
    assert [e["row"] for e in body["errors"]] == bad_rows
    reasons = {e["row"]: e["errors"][0] for e in body["errors"]}
    assert reasons[38]["field"] == "name" and rows_first_name(db) in reasons[38]["message"]
    assert reasons[39]["field"] == "status" and reasons[40]["field"] == "status_date"
    assert db("SELECT count(*) FROM progress_events WHERE action <> 'load'")[0][0] == 0

    refused = client.post("/progress/import", files=files, headers=h)
    assert refused.status_code == 422 and refused.json()["code"] == "import_refused"
    assert db("SELECT count(*) FROM progress_events WHERE action <> 'load'")[0][0] == 0
    assert db("SELECT count(*) FROM projects WHERE status <> 'unknown'")[0][0] == 0

    applied = client.post("/progress/import", files=files, data={"skip_invalid": "true"}, headers=h)
    assert applied.status_code == 200, applied.text
    assert applied.json()["applied"] and [e["row"] for e in applied.json()["errors"]] == bad_rows
    assert db("SELECT count(*) FROM progress_events WHERE action <> 'load'")[0][0] == 37
    reasons = db("SELECT DISTINCT split_part(reason, ' row', 1) FROM progress_events WHERE action <> 'load'")
    assert reasons == [("批量导入 / bulk import: 进展台账.csv",)]
    assert db("SELECT count(*) FROM projects WHERE status = 'ongoing'")[0][0] == 36

    again = client.post("/progress/import", files=files, data={"dry_run": "true"}, headers=h).json()
    assert again["summary"]["unchanged"] == 37


def test_ambiguous_names_and_xlsx(make_client, keys, db):
    client = make_client()
    book = Workbook()
    sheet = book.active
    sheet.append(["名称", "阶段", "进度", "日期"])
    name = db("SELECT name FROM projects ORDER BY id LIMIT 1")[0][0]
    sheet.append([name, "前期", 5, None])
    sheet.append(["凤还巢森林公园", "在建", 5, None])  # a forest park and a project share this name
    buffer = io.BytesIO()
    book.save(buffer)
    files = {"file": ("sheet.xlsx", buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    r = client.post("/progress/import", files=files, data={"dry_run": "true"}, headers=bearer(keys["editor"]))
    assert r.status_code == 200 and r.json()["changes"][0]["changes"]["status"]["new"] == "preliminary"
    assert r.json()["errors"][0]["errors"][0]["field"] == "collection"
    assert client.post("/progress/import", files=files, headers=bearer(keys["viewer"])).status_code == 403


def test_cli_import(loaded_db, db, tmp_path):
    sheet, _ = _sheet(db)
    path = tmp_path / "sheet.csv"
    path.write_text(sheet, encoding="utf-8")
    env = {"GIS_DATABASE_URL": loaded_db, "USER": "tester"}
    refused = CliRunner().invoke(app, ["progress", "import", str(path)], env=env)
    assert refused.exit_code == 1 and "nothing was applied" in str(refused.exception)
    applied = CliRunner().invoke(app, ["progress", "import", str(path), "--skip-invalid"], env=env)
    assert applied.exit_code == 0, applied.output
    assert "changed 37" in applied.output and "row 39 status" in applied.output
    assert db("SELECT count(*) FROM progress_events WHERE actor = 'cli:tester'")[0][0] == 37
