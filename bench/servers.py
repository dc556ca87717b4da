"""The two servers under test, started alike: one uvicorn worker each, uvloop + httptools,
no access log, the same database, comparable pools and no response caching."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from gis_service.settings import PROJECT_ROOT

from bench.machine import free_port

BENCH_DIR = Path(__file__).resolve().parent
TIPG_VENV = BENCH_DIR / ".venv-tipg"
POOL_SIZE = 10  # tipg's default maximum; ours is set to the same, without overflow
UVICORN_FLAGS = ["--workers", "1", "--loop", "uvloop", "--http", "httptools",
                 "--no-access-log", "--log-level", "warning"]


@dataclass
class Server:
    name: str
    cmd: list[str]
    env: dict
    health_path: str
    cwd: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    temp_cwd: bool = False  # cwd was made for this server: removed on stop

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def pids(self) -> list[int]:
        """Every process whose CPU counts as this server's (a FastCGI peer has several)."""
        return [self.pid]

    def start(self, timeout_s: float = 90) -> None:
        self.log_path = Path(tempfile.mkstemp(prefix=f"bench-{self.name}-", suffix=".log")[1])
        log = open(self.log_path, "w")
        self.proc = subprocess.Popen([*self.cmd, "--port", str(self.port)], cwd=self.cwd,
                                     env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self._wait_healthy(timeout_s)

    def _wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_tail()}")
            try:
                if httpx.get(self.base + self.health_path, timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} not healthy after {timeout_s}s: {self.log_tail()}")

    def stop(self, cleanup: bool = True) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if cleanup:
            if self.log_path:
                self.log_path.unlink(missing_ok=True)
            if self.temp_cwd:
                shutil.rmtree(self.cwd, ignore_errors=True)

    def log_tail(self, lines: int = 15) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def openapi(self, path: str) -> dict:
        return httpx.get(self.base + path, timeout=30).json()


def ours(database_url: str, warm: bool = False) -> Server:
    """Cold (the default): no tile cache and no seeds. ``warm``: the in-process tile cache and the
    seeds on, as deployed; named ``ours_warm`` so no table can take it for the cold one."""
    cache = {"GIS_TILE_CACHE_MB": "256"} if warm else {"GIS_TILE_CACHE_MB": "0", "GIS_TILE_SEEDS": "off"}
    env = {**os.environ, "GIS_DATABASE_URL": database_url, **cache,
           "GIS_POOL_SIZE": str(POOL_SIZE), "GIS_POOL_MAX_OVERFLOW": "0",
           # Waiting for a connection is what tipg does too; a 503 would end the request early.
           "GIS_POOL_TIMEOUT_S": "120",
           # Per-key write limits would answer a load generator with 429s (tipg has none).
           "GIS_WRITES_PER_MINUTE": "0", "GIS_BATCHES_PER_HOUR": "0",
           # Seeds are made once before the runs (bench.database.prepare), not by a thread during them.
           "GIS_TILE_SEED_WORKER": "false"}
    cmd = [str(PROJECT_ROOT / ".venv" / "bin" / "python"), "-m", "uvicorn",
           "gis_service.api.app:create_app", "--factory", "--host", "127.0.0.1", *UVICORN_FLAGS]
    return Server("ours_warm" if warm else "ours", cmd, env, "/healthz", PROJECT_ROOT)


def tipg(libpq_url: str) -> Server:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIS_", "TIPG_"))}
    env.update({
        "DATABASE_URL": libpq_url,
        "DB_MIN_CONN_SIZE": str(POOL_SIZE), "DB_MAX_CONN_SIZE": str(POOL_SIZE),
        "TIPG_DB_SCHEMAS": '["public"]', "TIPG_DB_TABLES": '["public.parcels"]',
        "TIPG_CATALOG_TTL": "0",  # no catalog refresh in the middle of a run
        # Same tile as ours: every feature (tipg caps at 10,000 by default), same buffer.
        "TIPG_MAX_FEATURES_PER_TILE": "10000000", "TIPG_TILE_BUFFER": "64",
    })
    cmd = [str(TIPG_VENV / "bin" / "python"), "-m", "uvicorn", "tipg.main:app",
           "--host", "127.0.0.1", *UVICORN_FLAGS]
    # An empty cwd: tipg's settings also read a ./.env file.
    return Server("tipg", cmd, env, "/healthz", Path(tempfile.mkdtemp(prefix="bench-tipg-")), temp_cwd=True)


def tipg_version() -> str | None:
    out = subprocess.run([str(TIPG_VENV / "bin" / "python"), "-c",
                          "import tipg, uvicorn, asyncpg; print(tipg.__version__, uvicorn.__version__, "
                          "asyncpg.__version__)"], capture_output=True, text=True)
    return out.stdout.strip() or None


# --- routes, discovered from each server's own OpenAPI document -------------------------

_AXES = {"z": "z", "tilematrix": "z", "x": "x", "tilecol": "x", "y": "y", "tilerow": "y"}


def tile_template(openapi: dict, collection_id: str) -> str:
    """A '{z}/{x}/{y}'-style template for the collection's WebMercatorQuad tiles, in the
    server's own axis order (tipg's is z/x/y, the OGC standard's z/y/x)."""
    for path in openapi.get("paths", {}):
        parts = path.strip("/").split("/")
        if len(parts) != 7 or parts[0] != "collections" or parts[2] != "tiles":
            continue
        axes = [_AXES.get(p.strip("{}").lower()) for p in parts[4:]]
        if sorted(a for a in axes if a) == ["x", "y", "z"]:
            filled = ["collections", collection_id, "tiles", "WebMercatorQuad",
                      *[f"{{{a}}}" for a in axes]]
            return "/" + "/".join(filled)
    raise RuntimeError("no z/x/y tile route in the OpenAPI document")


def parcels_collection_id(server: Server) -> str:
    body = httpx.get(server.base + "/collections", params={"f": "json"}, timeout=30).json()
    ids = [c["id"] for c in body["collections"]]
    for cid in ids:
        if cid == "parcels" or cid.endswith(".parcels"):
            return cid
    raise RuntimeError(f"{server.name} exposes no parcels collection: {ids}")


def has_path(openapi: dict, path: str) -> bool:
    return path in openapi.get("paths", {})

