"""`make load-cluster`: the 64-connection, 60 s mixed load through nginx against the loopback
topology (primary + streaming replica), with two app processes and then three.

Records throughput, p50/p95/p99 per endpoint, errors, nginx's cache statuses and the write
latency (writers serialise on the audit chain heads). Results: bench/results/cluster-<date>.json.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.machine import free_port, load_average
from gis_service.auth.keys import create_key
from gis_service.cli.cluster import _load
from gis_service.cluster.topology import ClusterConfig, Topology
from tests.reliability.loadgen import run as run_load

RESULTS = Path(__file__).parent / "results"


def _prepare(topology: Topology) -> tuple[str, str]:
    _load(topology.primary.url)
    engine = create_engine(topology.primary.url)
    with engine.begin() as conn:
        key = create_key(conn, f"load-{time.time_ns()}", "editor", created_by="bench")[0]
        fid = conn.execute(text("SELECT id FROM projects ORDER BY id LIMIT 1")).scalar()
    engine.dispose()
    return key, f"/collections/projects/items/{fid}"


def _cache_rate(statuses: dict[str, int]) -> dict:
    cacheable = sum(v for k, v in statuses.items() if k not in ("-", "BYPASS"))
    served = statuses.get("HIT", 0) + statuses.get("REVALIDATED", 0) + statuses.get("STALE", 0)
    return {"statuses": statuses, "cacheable_requests": cacheable,
            "served_from_cache": served, "hit_rate": round(served / cacheable, 3) if cacheable else None}


def one_run(root: Path, apps: int, duration: float, connections: int, ports: dict) -> dict:
    config = ClusterConfig(root=root, primary_port=ports["primary"], replica_port=ports["replica"],
                           http_port=ports["http"], app_ports=ports["apps"][:apps],
                           extra_env={"GIS_PARCEL_JOB_WORKER": "false"})
    topology = Topology(config)
    config.check()
    topology.up_databases()
    key, target = _prepare(topology)
    topology.up()
    log = topology.nginx.root / "logs" / "access.log"
    log.write_text("")
    try:
        before = load_average()
        report = asyncio.run(run_load(topology.base_url, duration, connections, 10_000_000, key, target))
        report["load_average_before"], report["load_average_after"] = before, load_average()
        report["apps"] = apps
        report["throughput_rps"] = round(report["requests"] / report["duration_s"], 1)
        report["nginx_cache"] = _cache_rate(topology.nginx.cache_statuses())
    finally:
        topology.down()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--apps", default="2,3", help="app process counts to run, in order")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="gis-cluster-load-"))
    root.chmod(0o755)
    ports = {"primary": free_port(), "replica": free_port(), "http": free_port(),
             "apps": [free_port() for _ in range(8)]}
    runs = []
    try:
        for apps in (int(a) for a in args.apps.split(",")):
            runs.append(one_run(root / "t", apps, args.duration, args.connections, ports))
            print(json.dumps({k: runs[-1][k] for k in ("apps", "throughput_rps", "errors", "nginx_cache")}))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"cluster-{dt.date.today().isoformat()}.json"
    out.write_text(json.dumps({"runs": runs}, ensure_ascii=False, indent=1))
    print(f"written {out}")


if __name__ == "__main__":
    main()
