"""What synchronous replication costs a write: sequential PATCH latency through one app process
with asynchronous and with synchronous (remote_apply) replication, and what a write does while
the synchronous replica is down. Prints JSON; figures go to docs/RELIABILITY.md."""
from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from bench.machine import free_port, load_average
from gis_service.auth.keys import create_key
from gis_service.cli.cluster import _load
from gis_service.cluster.topology import ClusterConfig, Topology

N = 60


def _writes(app: str, key: str, fid: str, n: int) -> list[float]:
    auth = {"Authorization": f"Bearer {key}"}
    out = []
    with httpx.Client(timeout=60) as client:
        for i in range(n):
            etag = client.get(f"{app}/collections/projects/items/{fid}", headers=auth).headers["etag"]
            started = time.monotonic()
            r = client.patch(f"{app}/collections/projects/items/{fid}", json={"progress_note": f"sync {i}"},
                             headers={**auth, "If-Match": etag})
            r.raise_for_status()
            out.append((time.monotonic() - started) * 1000)
    return out


def _summary(values: list[float]) -> dict:
    values = sorted(values)
    return {"n": len(values), "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(values[int(0.95 * (len(values) - 1))], 1)}


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="gis-sync-cost-"))
    root.chmod(0o755)
    config = ClusterConfig(root=root / "t", primary_port=free_port(), replica_port=free_port(),
                           http_port=free_port(), app_ports=[free_port()],
                           extra_env={"GIS_PARCEL_JOB_WORKER": "false", "GIS_STATEMENT_TIMEOUT_MS": "5000"})
    topology = Topology(config)
    result = {"load_average_before": load_average()}
    try:
        topology.up_databases()
        _load(topology.primary.url)
        engine = create_engine(topology.primary.url)
        with engine.begin() as conn:
            key = create_key(conn, "sync-cost", "editor", created_by="bench")[0]
            fid = conn.execute(text("SELECT id FROM projects ORDER BY id LIMIT 1")).scalar()
        engine.dispose()
        topology.up()
        app = f"http://127.0.0.1:{config.app_ports[0]}"
        _writes(app, key, fid, 5)  # warm up
        result["async"] = _summary(_writes(app, key, fid, N))
        topology.set_sync(True)
        result["sync_remote_apply"] = _summary(_writes(app, key, fid, N))
        topology.replica.stop("fast")
        auth = {"Authorization": f"Bearer {key}"}
        etag = httpx.get(f"{app}/collections/projects/items/{fid}", headers=auth).headers["etag"]
        started = time.monotonic()
        try:
            r = httpx.patch(f"{app}/collections/projects/items/{fid}", json={"progress_note": "replica down"},
                            headers={**auth, "If-Match": etag}, timeout=30)
            outcome = r.status_code
        except httpx.TimeoutException:
            outcome = "client timeout (30 s)"
        result["sync_replica_down"] = {"outcome": outcome, "after_s": round(time.monotonic() - started, 1)}
        result["load_average_after"] = load_average()
    finally:
        topology.down()
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
