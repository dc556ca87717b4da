"""Bad topology configuration: one clear line and a non-zero exit, before anything starts."""
from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from gis_service.settings import PROJECT_ROOT

from ..conftest import free_port

pytestmark = pytest.mark.cluster


def _cli(*args, **env):
    proc = subprocess.run([sys.executable, "-m", "gis_service.cli", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, env={**os.environ, **env}, timeout=120)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def _up(tmp_path, *extra, **env):
    ports = ["--http-port", str(free_port()), "--app-port", str(free_port()),
             "--primary-port", str(free_port()), "--replica-port", str(free_port())]
    return _cli("cluster", "up", "--root", str(tmp_path / "t"), *ports, *extra, **env)


def _one_line(output: str) -> str:
    lines = output.splitlines()
    assert len(lines) == 1 and "Traceback" not in output, output
    return lines[0]


def test_replica_port_equal_to_primary_port(tmp_path):
    port = str(free_port())
    code, out = _up(tmp_path, "--primary-port", port, "--replica-port", port)
    assert code == 1 and "point at the primary" in _one_line(out)


def test_missing_nginx(tmp_path):
    code, out = _up(tmp_path, GIS_NGINX="/nonexistent/nginx")
    assert code == 1 and "nginx is not installed" in _one_line(out)


def test_port_in_use(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out = _up(tmp_path, "--http-port", str(port))
    assert code == 1 and f"port {port} (nginx) is already in use" in _one_line(out)
    assert not (tmp_path / "t").exists()  # nothing was created


def test_serve_with_a_read_url_that_is_the_primary(migrated_db):
    code, out = _cli("serve", "--port", str(free_port()), GIS_DATABASE_URL=migrated_db,
                     GIS_DATABASE_READ_URL=migrated_db)
    assert code == 1 and "points at the primary itself" in _one_line(out)
