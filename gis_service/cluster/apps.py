"""The app processes of the topology: `gis-service serve` each on its own loopback port."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from gis_service.db.embedded import ClusterError
from gis_service.settings import PROJECT_ROOT

STARTUP_TIMEOUT_S = 120


def start_app(port: int, env: dict, log_path: Path) -> int:
    log = open(log_path, "ab")
    # The write URL comes from the file in env (GIS_DATABASE_URL_FILE), never from an inherited URL.
    inherited = {k: v for k, v in os.environ.items() if k not in ("GIS_DATABASE_URL", "GIS_DATABASE_READ_URL")}
    proc = subprocess.Popen([sys.executable, "-m", "gis_service.cli", "serve", "--port", str(port)],
                            cwd=PROJECT_ROOT, env={**inherited, **env, "PYTHONUNBUFFERED": "1"},
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    return proc.pid


def wait_healthy(pids_ports: list[tuple[int, int]], timeout_s: float = STARTUP_TIMEOUT_S) -> None:
    """Until each app answers /healthz (200, or 503 from a database it cannot reach yet)."""
    deadline = time.monotonic() + timeout_s
    pending = dict((port, pid) for pid, port in pids_ports)
    while pending:
        for port, pid in list(pending.items()):
            if not alive(pid):
                raise ClusterError(f"应用进程（端口 {port}）退出", f"app process on port {port} exited; see its log")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code in (200, 503):
                    del pending[port]
            except httpx.TransportError:
                pass
        if time.monotonic() > deadline:
            raise ClusterError("应用进程启动超时", f"app processes on {sorted(pending)} not up after {timeout_s}s")
        time.sleep(0.3)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:  # a zombie child of this process counts as gone
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def stop_app(pid: int, timeout_s: float = 10) -> None:
    if not alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)


def reload_app(pid: int) -> None:
    """SIGHUP: re-read the write URL file now."""
    if alive(pid):
        os.kill(pid, signal.SIGHUP)
