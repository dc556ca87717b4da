"""OGC API – Processes over the parcel check: OWSLib for listing and sync execution, raw HTTP for
async jobs; the reports equal /analysis/parcel-check's."""
from __future__ import annotations

import base64
import time

import geopandas as gpd
import httpx
import owslib.ogcapi as owslib_ogcapi
from owslib.ogcapi.processes import Processes

from ..live import live_server
from .test_batch import parcels_in

VOLATILE = {"id", "created_at", "links", "report_url", "map_url", "pdf_url", "checked_at", "html_url"}


def stable(report: dict) -> dict:
    """A report without what differs between two runs of the same check (its id, its time, links to it)."""
    return {k: v for k, v in report.items() if k not in VOLATILE and not str(k).endswith("_url")}


def test_owslib_lists_and_executes(pc_url, layers):
    parcel = parcels_in(layers[("admin_units", "chengqu")], 1)[0]
    geometry = gpd.GeoSeries([parcel], crs=4490).__geo_interface__["features"][0]["geometry"]
    saved = dict(owslib_ogcapi.REQUEST_HEADERS)
    try:
        with live_server(pc_url) as base:
            client = Processes(f"{base}/", timeout=60)
            assert {p["id"] for p in client.processes()} == {"parcel-check", "parcel-check-batch"}
            description = client.process("parcel-check")
            assert "parcel" in description["inputs"] and description["jobControlOptions"] == ["sync-execute"]
            result = client.execute("parcel-check", inputs={"parcel": geometry, "proposed_use": "residential"})
            direct = httpx.post(f"{base}/analysis/parcel-check", params={"proposed_use": "residential"},
                                json=geometry, timeout=60).json()
            assert stable(result["report"]) == stable(direct) and direct["verdict"]
            raw = httpx.post(f"{base}/processes/parcel-check/execution", timeout=60,
                             json={"inputs": {"parcel": geometry, "proposed_use": {"value": "residential"}}}).json()
            assert stable(raw) == stable(direct)
            conformance = set(httpx.get(f"{base}/conformance").json()["conformsTo"])
            assert "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core" in conformance
    finally:
        owslib_ogcapi.REQUEST_HEADERS.clear()
        owslib_ogcapi.REQUEST_HEADERS.update(saved)


def test_async_batch_job_has_ogc_status(pc_url, layers, tmp_path):
    frame = gpd.GeoDataFrame({"宗地编码": [f"P{i:03d}" for i in range(20)]},
                             geometry=gpd.GeoSeries(parcels_in(layers[("admin_units", "chengqu")], 20), crs=4490))
    path = tmp_path / "parcels.geojson"
    frame.to_file(path, driver="GeoJSON")
    with live_server(pc_url) as base:
        r = httpx.post(f"{base}/processes/parcel-check-batch/execution", timeout=60, headers={"Prefer": "respond-async"},
                       json={"inputs": {"file": base64.b64encode(path.read_bytes()).decode(),
                                        "filename": "parcels.geojson"}})
        assert r.status_code == 201, r.text
        status = r.json()
        assert r.headers["location"].endswith(f"/jobs/{status['jobID']}")
        assert status["type"] == "process" and status["processID"] == "parcel-check-batch"
        assert status["status"] in ("accepted", "running", "successful")
        for _ in range(600):
            status = httpx.get(r.headers["location"]).json()
            if status["status"] in ("successful", "failed"):
                break
            time.sleep(0.1)
        assert status["status"] == "successful" and status["progress"] == 100 and status["state"] == "succeeded"
        results = httpx.get(f"{r.headers['location']}/results").json()
        assert len(results["features"]) == 20
        # Each batch row's verdict is the single check's verdict for that parcel.
        first = next(f for f in results["features"] if f["properties"]["宗地编码"] == "P000")
        single = httpx.post(f"{base}/processes/parcel-check/execution", timeout=60,
                            json={"inputs": {"parcel": first["geometry"]}}).json()
        verdict = first["properties"]["verdict"]
        assert verdict == single["verdict"]["zh"] or verdict in single["verdict"].values()


def test_bad_process_requests(pc_client, snapshot=None):
    geometry = {"type": "Point", "coordinates": [112.85, 35.5]}
    cases = [("/processes/parcel-check/execution", {"inputs": {"parcel": geometry, "colour": "red"}}, 400, "colour"),
             ("/processes/parcel-check/execution", {"inputs": {}}, 400, "parcel"),
             ("/processes/parcel-check/execution", {"inputs": {"parcel": geometry}, "mode": "x"}, 400, "mode"),
             ("/processes/parcel-check-batch/execution", {"inputs": {"file": "%%%", "filename": "a.geojson"}}, 400, "file"),
             ("/processes/nope/execution", {"inputs": {}}, 404, "nope")]
    for path, body, status, word in cases:
        r = pc_client.post(path, json=body)
        assert r.status_code == status, (path, body, r.text)
        assert r.json()["message_zh"] and word in r.json()["message"], r.json()
    assert pc_client.get("/processes/nope").status_code == 404


def test_inputs_of_the_wrong_type_are_refused(pc_client):
    geometry = {"type": "Point", "coordinates": [112.85, 35.5]}
    for body in ({"inputs": {"parcel": geometry, "proposed_use": {"a": 1}}}, {"inputs": {"parcel": [1]}},
                 {"inputs": {"parcel": geometry}, "outputs": ["report"]}, ["inputs"]):
        r = pc_client.post("/processes/parcel-check/execution", json=body)
        assert r.status_code == 400 and r.json()["message_zh"] and r.json()["message"], (body, r.text)
