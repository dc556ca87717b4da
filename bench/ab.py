"""A/B of our own server: the working tree against a git revision, on one prepared database.

    .venv/bin/python -m bench.ab --db-url postgresql+psycopg://postgres@127.0.0.1:PORT/gis \\
        [--rev HEAD] [--rounds 3] [--seconds 5] [--env GIS_POOL_PING_IDLE_S=0] [--tiles] [--parcel-check]

The revision is exported (``git archive``) to a temp dir, which is the 'before' process's cwd and
first on its PYTHONPATH, so both processes use the same venv and differ only in ``gis_service``. Rounds alternate as in bench.run;
the items workloads are bench.run's (keyset pages, limit 10/100/1000 at 16 connections).
``--parcel-check`` adds the single parcel check (POST, bench.parcel_check's parcels) at 1 and 16
connections. Use it to measure one change before keeping it (docs/PERFORMANCE.md, "Changes made").
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from gis_service.settings import PROJECT_ROOT

from bench import compare, parcel_check, workloads, wrk
from bench.compare import Workload
from bench.database import BenchDatabase
from bench.run import LIMITS, log
from bench.servers import ours


def export_revision(rev: str) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="bench-ab-"))
    archive = subprocess.run(["git", "archive", rev, "gis_service"], cwd=PROJECT_ROOT, capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
    (tmp / "layers").symlink_to(PROJECT_ROOT / "layers")  # data, not code: the same for both sides
    vendor = PROJECT_ROOT / "gis_service" / "static" / "vendor"  # npm assets: git-ignored
    if vendor.exists() and not (tmp / "gis_service" / "static" / "vendor").exists():
        (tmp / "gis_service" / "static" / "vendor").symlink_to(vendor)
    return tmp


def single_checks(servers: list, db: BenchDatabase, rounds: int, seconds: float, seed: int) -> dict:
    """The single parcel check on each server, alternating, at c1 and c16 (after every pooled
    connection's first PROJ set-up, as bench.parcel_check.single warms it)."""
    bodies = [row.geometry for row in parcel_check.sample_rows(db, parcel_check.SAMPLE_PARCELS, seed)]
    for server in servers:
        wrk.post_json(server.base, parcel_check.SINGLE_PATH, bodies, 16, 4)
    runs: dict = {}
    for rnd in range(rounds):
        for clients in (1, 16):
            for server in (servers if rnd % 2 == 0 else servers[::-1]):  # neither always goes first
                result = wrk.post_json(server.base, parcel_check.SINGLE_PATH, bodies, clients, seconds)
                runs.setdefault(f"parcel_check_single_c{clients}", {}).setdefault(server.name, []).append(result)
                log(f"  round {rnd + 1}/{rounds} parcel check c{clients} {server.name:7} {result['rps']:7.1f} req/s "
                    f"p50 {result['p50_ms']:6.1f} ms  p95 {result['p95_ms']:6.1f} ms  non-2xx {result['non_2xx']}")
    return {key: {name: wrk.summarise(results) for name, results in per.items()} for key, per in runs.items()}


def items(db: BenchDatabase, seed: int) -> list[Workload]:
    out = []
    for n in LIMITS:
        pages = workloads.with_cursors(db, workloads.offset_pages(n, seed))
        paths = [workloads.items_path("parcels", p, "json", keyset=True) for p in pages]
        out.append(Workload(f"items_limit{n}_c16", 16, {"before": paths, "after": paths}))
    return out


def bbox_and_tiles(db: BenchDatabase, seed: int) -> list[Workload]:
    """The ~1 km² bbox pages and the same-content z15/z16 tiles of bench.run, at 16 connections."""
    boxes = [workloads.items_path("parcels", p, "json") for p in workloads.bbox_pages(workloads.district(db), 100, seed)]
    out = [Workload("items_bbox_1km2_limit100_c16", 16, {"before": boxes, "after": boxes})]
    tiles = workloads.district_tiles(db, seed)
    template = "/collections/parcels/tiles/WebMercatorQuad/{z}/{y}/{x}?detail=full"
    for z in (15, 16):
        paths = [workloads.tile_path(template, t) for t in tiles[z]]
        out.append(Workload(f"tiles_z{z}_full_c16", 16, {"before": paths, "after": paths}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db-url", required=True)
    parser.add_argument("--rev", default="HEAD", help="the 'before' side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tiles", action="store_true", help="also the bbox pages and the z15/z16 tiles")
    parser.add_argument("--parcel-check", action="store_true", help="also the single parcel check, c1 and c16")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the 'after' side only")
    args = parser.parse_args()
    db = BenchDatabase.at(args.db_url)
    old = export_revision(args.rev)
    before, after = ours(db.url), ours(db.url)
    before.name, after.name = "before", "after"
    # python -m puts its cwd first on sys.path: the exported tree must be the cwd, not only on PYTHONPATH.
    before.env, before.cwd = {**before.env, "PYTHONPATH": str(old)}, old
    after.env = {**after.env, **dict(e.split("=", 1) for e in args.env)}
    try:
        for server in (before, after):
            server.start()
        loads = items(db, args.seed) + (bbox_and_tiles(db, args.seed) if args.tiles else [])
        compare.warm_up([before, after], loads)
        result = compare.run_alternating([before, after], loads, args.rounds, args.seconds, log)
        if args.parcel_check:
            result.update(single_checks([before, after], db, args.rounds, args.seconds, args.seed))
    finally:
        for server in (before, after):
            server.stop()
        shutil.rmtree(old, ignore_errors=True)
    summary = {k: {n: {f: v[f] for f in ("rps", "rps_min", "rps_max", "p50_ms", "p95_ms", "server_cpu_core_share",
                                                 "server_cpu_ms_per_request")}
                   for n, v in pair.items()} for k, pair in result.items()}
    for key, pair in summary.items():
        log(f"{key}: before {pair['before']['rps']} req/s, after {pair['after']['rps']} req/s "
            f"({pair['after']['rps'] / pair['before']['rps']:.2f}x); server CPU per request "
            f"{pair['before']['server_cpu_ms_per_request']} -> {pair['after']['server_cpu_ms_per_request']} ms")
    print(json.dumps({"rev": args.rev, "env": args.env, "items": summary}, indent=1))


if __name__ == "__main__":
    main()
