"""The write URL is re-read from GIS_DATABASE_URL_FILE by a running process: at the next
connection checkout when the file changes, or at once on SIGHUP. No restart."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
from sqlalchemy import create_engine, text

from gis_service.settings import PROJECT_ROOT

from ..conftest import free_port


def _projects_version(base):
    return httpx.get(f"{base}/healthz", timeout=5).json()["collections"]["projects"]["data_version"]


def _wait_healthy(base, proc):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, "server exited"
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("server not healthy")


def test_write_url_file_is_followed_without_restart(pg, loaded_template, tmp_path):
    first_name, first = pg.clone(loaded_template)
    second_name, second = pg.clone(loaded_template)
    engine = create_engine(second)
    with engine.begin() as conn:  # tell the two databases apart
        conn.execute(text("UPDATE layer_meta SET data_version = 999 WHERE collection_id = 'projects'"))
    engine.dispose()
    url_file = tmp_path / "write_url"
    url_file.write_text(first + "\n")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "GIS_DATABASE_URL"}
    env.update(GIS_DATABASE_URL_FILE=str(url_file), GIS_PARCEL_JOB_WORKER="false", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "gis_service.cli", "serve", "--port", str(port)],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc)
        assert _projects_version(base) != 999
        url_file.write_text(second + "\n")       # picked up at the next checkout
        assert _projects_version(base) == 999
        url_file.write_text(first + "\n")
        proc.send_signal(signal.SIGHUP)           # or at once, pool dropped
        time.sleep(0.5)
        assert proc.poll() is None                # SIGHUP reloads, it does not end the process
        assert _projects_version(base) != 999
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        pg.drop_db(first_name)
        pg.drop_db(second_name)
