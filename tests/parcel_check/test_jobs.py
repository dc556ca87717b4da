"""Jobs live in the database: a killed app leaves its job resumable by the next process,
and a job that keeps dying is marked failed with the reason."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import geopandas as gpd
import httpx
from sqlalchemy import create_engine, text

from gis_service.services.parcel_check.jobs import claim_job
from gis_service.settings import PROJECT_ROOT

from ..conftest import free_port
from ..live import live_server
from .test_batch import parcels_in

SLOW = {"GIS_PARCEL_BATCH_CHUNK": "10", "GIS_PARCEL_JOB_LEASE_S": "2"}


def start_server(url: str, log) -> tuple[subprocess.Popen, str]:
    """A server process this test may SIGKILL (live_server only terminates politely)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gis_service.cli", "serve", "--port", str(port)],
                            cwd=PROJECT_ROOT, env={**os.environ, "GIS_DATABASE_URL": url, **SLOW},
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def test_killed_app_leaves_a_resumable_job(loaded_db, layers, tmp_path):
    frame = gpd.GeoDataFrame({"宗地编码": [f"K{i:05d}" for i in range(1000)]},
                             geometry=gpd.GeoSeries(parcels_in(layers[("admin_units", "chengqu")], 1000), crs=4490))
    path = tmp_path / "many.geojson"
    frame.to_file(path, driver="GeoJSON")
    with open(tmp_path / "first.log", "w") as log:
        proc, base = start_server(loaded_db, log)
        try:
            job = httpx.post(f"{base}/analysis/parcel-check/batch", files={"file": (path.name, path.read_bytes())},
                             timeout=60).json()
            for _ in range(300):
                state = httpx.get(f"{base}/jobs/{job['id']}").json()
                if state["processed"] > 0:
                    break
                time.sleep(0.05)
            os.kill(proc.pid, signal.SIGKILL)  # mid-job, no chance to clean up
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
    engine = create_engine(loaded_db)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT state, processed, total FROM parcel_check_jobs WHERE id = :id"),
                           {"id": job["id"]}).one()
    assert row.state == "running" and 0 < row.processed < row.total
    with live_server(loaded_db, tmp_path / "second.log", **{**SLOW, "GIS_PARCEL_BATCH_CHUNK": "500"}) as base:
        for _ in range(600):
            state = httpx.get(f"{base}/jobs/{job['id']}").json()
            if state["state"] in ("succeeded", "failed"):
                break
            time.sleep(0.1)
    assert state["state"] == "succeeded" and state["attempts"] == 2
    assert state["result_count"] == 1000 and state["processed"] == 1000
    with engine.connect() as conn:
        # Every row links to its own stored report, exactly once across the two processes.
        linked = conn.execute(text(
            "SELECT count(*), count(DISTINCT p.id) FROM parcel_check_job_rows r JOIN parcel_check_reports p "
            "ON p.id = r.report_id WHERE r.job_id = :id"), {"id": job["id"]}).one()
        assert tuple(linked) == (1000, 1000)
    engine.dispose()


def test_a_job_that_keeps_dying_is_marked_failed(loaded_db):
    engine = create_engine(loaded_db)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO parcel_check_jobs (id, actor, state, attempts, heartbeat_at, filename) "
                          "VALUES ('dead', 'anonymous', 'running', 3, now() - interval '1 hour', 'x.gpkg'), "
                          "('alive', 'anonymous', 'running', 1, now(), 'y.gpkg')"))
    assert claim_job(engine, "tester", lease_s=30, max_attempts=3) is None  # 'alive' is still leased
    with engine.connect() as conn:
        dead = conn.execute(text("SELECT state, error FROM parcel_check_jobs WHERE id = 'dead'")).one()
    assert dead.state == "failed" and "giving up" in dead.error["reason"] and dead.error["reason_zh"]
    engine.dispose()
