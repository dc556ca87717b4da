"""Real clients against a real server: OWSLib and raw HTTP edit with an editor key; demo labelling."""
from __future__ import annotations

import json
import subprocess
import sys

import httpx
import owslib.ogcapi as owslib_ogcapi
from owslib.ogcapi.features import Features
from owslib.util import Authentication

from gis_service.settings import PROJECT_ROOT

from ..live import live_server
from .conftest import bearer


def test_owslib_and_raw_http_edit(loaded_db, keys, db):
    fid = db("SELECT id FROM projects WHERE geom IS NOT NULL ORDER BY id LIMIT 1")[0][0]
    saved_headers = dict(owslib_ogcapi.REQUEST_HEADERS)  # OWSLib updates this module-wide dict
    try:
        with live_server(loaded_db) as base:
            url = f"{base}/collections/projects/items/{fid}"
            allow = httpx.options(url, auth=("qgis", keys["editor"])).headers["allow"]
            assert "PATCH" in allow and "PUT" in allow
            assert "PATCH" not in httpx.options(url).headers["allow"]

            # OWSLib: GET the feature, change it, PUT it back (Basic auth, key as password).
            reader = Features(f"{base}/", timeout=30)
            feature = reader.collection_item("projects", fid)
            etag = httpx.get(url).headers["etag"]
            feature["properties"].update(status="preliminary", percent_complete=5, approval_no="晋城区发改〔2017〕12号")
            writer = Features(f"{base}/", timeout=30, headers={"If-Match": etag, "Content-Type": "application/geo+json"},
                              auth=Authentication(username="qgis", password=keys["editor"]))
            assert writer.collection_item_update("projects", fid, json.dumps(feature, ensure_ascii=False)) is True
            after = reader.collection_item("projects", fid)["properties"]
            assert (after["status"], after["approval_no"]) == ("preliminary", "晋城区发改〔2017〕12号")

            # Raw HTTP: PATCH with a bearer key and the new ETag.
            etag = httpx.get(url).headers["etag"]
            r = httpx.patch(url, json={"status": "ongoing", "percent_complete": 20},
                            headers={**bearer(keys["editor"]), "If-Match": etag})
            assert r.status_code == 200 and r.headers["etag"] != etag
            history = httpx.get(f"{url}/history").json()["events"]
            assert [e["actor"] for e in history] == ["editor-1", "editor-1", "loader"]
    finally:
        owslib_ogcapi.REQUEST_HEADERS.clear()
        owslib_ogcapi.REQUEST_HEADERS.update(saved_headers)


def test_demo_values_are_labelled_and_cleared_by_real_edits(loaded_db, make_client, keys, db):
    run = subprocess.run([sys.executable, "-c", "from gis_service.loader.demo import load_demo_progress;"
                          "from gis_service.db.engine import make_engine; from gis_service.settings import Settings;"
                          "from pathlib import Path; import sys;"
                          f"print(load_demo_progress(make_engine(Settings(database_url={loaded_db!r})),"
                          " Path('layers/demo/progress.csv')))"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    client = make_client()
    stats = client.get("/stats/progress").json()
    assert "演示数据" in stats["notice"] and "demo data" in stats["notice"]
    items = client.get("/collections/projects/items").json()
    assert "演示数据" in items["notice"]
    fid = db("SELECT id FROM projects WHERE properties ? 'demo_progress' ORDER BY id LIMIT 1")[0][0]
    assert "演示数据" in client.get(f"/collections/projects/items/{fid}/history").json()["notice"]
    assert "演示数据" in client.get("/progress").text and "演示数据" in client.get(f"/progress/projects/{fid}").text
    path = f"/collections/projects/items/{fid}"
    r = client.patch(path, json={"percent_complete": 99, "status": "ongoing"},
                     headers={**bearer(keys["editor"]), "If-Match": client.get(path).headers["etag"]})
    assert r.status_code == 200 and "demo_progress" not in r.json()["properties"]
    # Fields the real report did not set lose their demo values too.
    assert r.json()["properties"]["progress_note"] is None and r.json()["properties"]["status_date"] is None
    assert "演示数据" not in client.get(f"/progress/projects/{fid}").text.split("<h2>变更历史")[0]


def test_reloading_the_layers_keeps_demo_labels(loaded_db, engine_for, db):
    from gis_service.loader.demo import load_demo_progress
    from gis_service.loader.load import load_layers

    engine = engine_for(loaded_db)
    demo_rows = load_demo_progress(engine, PROJECT_ROOT / "layers/demo/progress.csv")
    report = load_layers(engine, PROJECT_ROOT / "layers")
    assert not report.changed
    assert db("SELECT count(*) FROM projects WHERE properties ? 'demo_progress'")[0][0] > 0
    total = sum(db(f"SELECT count(*) FROM {t} WHERE properties ? 'demo_progress'")[0][0]
                for t in ("projects", "urban_village_sites", "ecology_sites", "green_corridors"))
    assert total == demo_rows
