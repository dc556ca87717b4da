"""A real `gis-service serve` process on a free loopback port, for tests that
use real clients (QGIS, GDAL, OWSLib, Chromium) or several app processes."""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from gis_service.settings import PROJECT_ROOT

from .conftest import free_port

STARTUP_TIMEOUT_S = 120


@contextlib.contextmanager
def live_server(database_url: str, log_path: Path | None = None, **env_overrides: str):
    """Yield the base URL of a running server; its access log goes to ``log_path``."""
    port = free_port()
    env = {**os.environ, "GIS_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1", **env_overrides}
    log = open(log_path, "w") if log_path else subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-m", "gis_service.cli", "serve", "--port", str(port)],
                            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        # Generous: on a loaded 2-core machine importing the app alone can take tens of seconds.
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not become healthy in {STARTUP_TIMEOUT_S} s")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log_path:
            log.close()
