"""Faults with a real PostgreSQL: the database stops under load, a loader is killed midway."""
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from gis_service.db.embedded import EmbeddedCluster
from gis_service.db.migrate import upgrade
from gis_service.settings import PROJECT_ROOT

from ..conftest import LAYERS_DIR, free_port
from ..live import live_server


def _cluster() -> EmbeddedCluster:
    root = Path(tempfile.mkdtemp(prefix="gis-fault-pg-"))
    root.chmod(0o755)
    return EmbeddedCluster(data_dir=root / "c", port=free_port())


def _load(url: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "gis_service.cli", *args], cwd=PROJECT_ROOT,
                            env={**os.environ, "GIS_DATABASE_URL": url}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def test_database_stop_gives_fast_503_then_recovers(tmp_path):
    cluster = _cluster()
    try:
        cluster.start()
        upgrade(cluster.url)
        assert _load(cluster.url, "load", "--layers-dir", str(LAYERS_DIR)).wait(120) == 0
        outcomes: list[tuple[float, int | str]] = []
        stop = threading.Event()
        with live_server(cluster.url, log_path=tmp_path / "server.log", GIS_POOL_TIMEOUT_S="2",
                         GIS_CONNECT_TIMEOUT_S="2") as base:
            def hammer():
                with httpx.Client(timeout=10) as client:
                    while not stop.is_set():
                        started = time.monotonic()
                        try:
                            status = client.get(f"{base}/collections/projects/items?limit=5").status_code
                        except httpx.HTTPError as exc:
                            status = type(exc).__name__
                        outcomes.append((time.monotonic() - started, status))

            threads = [threading.Thread(target=hammer) for _ in range(4)]
            for t in threads:
                t.start()
            time.sleep(1.0)
            cluster.stop("immediate")
            time.sleep(3.0)
            during = len(outcomes)
            cluster.start()
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and httpx.get(f"{base}/healthz", timeout=5).status_code != 200:
                time.sleep(0.3)
            time.sleep(1.0)
            stop.set()
            for t in threads:
                t.join(15)
            after = httpx.get(f"{base}/collections/projects/items?limit=5", timeout=5)
        statuses = [s for _, s in outcomes]
        assert 503 in statuses and 200 in statuses[during:]
        assert set(statuses) <= {200, 503}, set(statuses)      # no 500, no connection failure
        assert max(d for d, s in outcomes if s == 503) < 5.0     # never hangs
        assert after.status_code == 200                         # same process, no restart
    finally:
        cluster.destroy()


def test_killed_loader_leaves_database_as_it_was(loaded_db):
    engine = create_engine(loaded_db)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT (SELECT count(*) FROM parcels), "
                                   "(SELECT data_version FROM layer_meta WHERE collection_id='projects')")).one()
    proc = _load(loaded_db, "demo", "parcels", "--n", "80000")
    # Wait until it is writing (COPY under way), then kill it hard.
    deadline = time.monotonic() + 60
    writing = False
    while time.monotonic() < deadline and proc.poll() is None and not writing:
        with engine.connect() as conn:
            writing = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'COPY parcels%'"
                                        )).scalar() > 0
        time.sleep(0.05)
    assert writing, "the loader never started writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    time.sleep(0.5)
    with engine.connect() as conn:
        after = conn.execute(text("SELECT (SELECT count(*) FROM parcels), "
                                  "(SELECT data_version FROM layer_meta WHERE collection_id='projects')")).one()
        meta = conn.execute(text("SELECT count(*) FROM layer_meta WHERE collection_id = 'parcels'")).scalar()
    engine.dispose()
    assert tuple(after) == tuple(before) and meta == 0
