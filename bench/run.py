"""`make bench`: every benchmark (docs/PERFORMANCE.md) in one command; results to bench/results/<date>.json.

    .venv/bin/python -m bench.run [--quick] [--only items,tiles] [--no-profile]

It starts its own PostGIS, loads the plan layers and a synthetic cadastre,
starts our server and tipg on that same database, and measures both with wrk.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

import httpx

from bench import ceiling, compare, exports, parcel_check, profile, qgis_load, report, workloads
from bench.compare import Workload
from bench.database import BenchDatabase, prepare, server_versions, start_cluster
from bench.machine import load_average, machine_info
from bench.servers import BENCH_DIR, ours, parcels_collection_id, tile_template, tipg, tipg_version

SECTIONS = ("ceiling", "items", "tiles", "parcel_check", "exports", "qgis")
LIMITS = (10, 100, 1000)
MVT = "application/vnd.mapbox-vector-tile"
BATCH_DEADLINE_S = 240  # a batch still running then is reported as timed out, with its progress
QGIS_FULL_LOAD_DEADLINE_S = 600  # ours must finish; tipg is stopped at --qgis-deadline


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def wait_for_quiet(max_wait_s: float, threshold: float = 1.5) -> dict:
    """Other work shares this machine; start when the 1-minute load is low, or give up waiting."""
    started = time.monotonic()
    while load_average()["1m"] > threshold and time.monotonic() - started < max_wait_s:
        log(f"load {load_average()['1m']} > {threshold}: waiting")
        time.sleep(15)
    return {"waited_s": round(time.monotonic() - started), "load_at_start": load_average()}


def items_workloads(db: BenchDatabase, tipg_cid: str, seed: int) -> list[Workload]:
    """The same pages from both; each server is asked the way its own next links ask."""
    shapes = {f"limit{n}": workloads.with_cursors(db, workloads.offset_pages(n, seed)) for n in LIMITS}
    shapes["bbox1km2_limit100"] = workloads.bbox_pages(workloads.district(db), 100, seed)
    out = []
    for connections in (1, 16):
        for name, pages in shapes.items():
            out.append(Workload(f"items_{name}_c{connections}", connections, {
                "ours": [workloads.items_path("parcels", p, "json", keyset=True) for p in pages],
                "tipg": [workloads.items_path(tipg_cid, p, "geojson") for p in pages]}))
    return out


def tile_workloads(db: BenchDatabase, templates: dict[str, str], seed: int) -> list[Workload]:
    tiles = workloads.district_tiles(db, seed)

    def paths(z):
        return {name: [workloads.tile_path(t, tile) for tile in tiles[z]] for name, t in templates.items()}

    # z12/z13 tiles of a dense cadastre are megabytes each: longer runs, so each run counts enough.
    out = [Workload(f"tiles_z{z}_c16", 16, paths(z), 2 if z <= 13 else 1) for z in workloads.TILE_ZOOMS]
    out.append(Workload("tiles_z14_c1", 1, paths(14)))  # the latency target is a single user's
    return out


def sanity(servers, items: list[Workload], tiles: list[Workload]) -> dict:
    """Both servers answer the same question: same features per bbox, comparable tile sizes."""
    bbox = next(w for w in items if "bbox" in w.key)
    counts = []
    for i in range(3):
        row = {}
        for s in servers:
            body = httpx.get(s.base + bbox.paths[s.name][i], timeout=60).json()
            row[s.name] = {"returned": body.get("numberReturned", len(body["features"])),
                           "matched": body.get("numberMatched")}
        counts.append(row)
    sizes = {}
    for w in tiles[:-1]:
        sizes[w.key] = {s.name: len(httpx.get(s.base + w.paths[s.name][0], timeout=60).content)
                        for s in servers}
    return {"bbox_counts": counts, "first_tile_bytes": sizes}


def run(args) -> dict:
    results: dict = {"date": dt.date.today().isoformat(), "started": dt.datetime.now().isoformat(timespec="seconds"),
                     "machine": machine_info(), "config": {
                         "parcels": args.n, "seed": args.seed, "rounds": args.rounds,
                         "seconds_per_run": args.seconds, "sections": args.only}}
    results["load"] = {"before": wait_for_quiet(args.wait_for_quiet)}
    log("starting a throwaway PostGIS" if not args.db_url else f"using {args.db_url}")
    db = BenchDatabase(url=args.db_url, port=int(args.db_url.rsplit(":", 1)[1].split("/")[0])) \
        if args.db_url else start_cluster()
    servers = []
    try:
        if not args.db_url:
            log(f"migrating, loading layers and {args.n} synthetic parcels")
            results["setup"] = prepare(db, args.n, args.seed)
        results["database"] = server_versions(db)
        results["machine"]["tipg_uvicorn_asyncpg"] = tipg_version()
        theirs, mine = tipg(db.libpq_url), ours(db.url)
        for server in (mine, theirs):
            server.start()
        servers = [mine, theirs]
        results["servers"] = {"ours": {"env": {k: v for k, v in mine.env.items() if k.startswith("GIS_")}},
                              "tipg": {"env": {k: v for k, v in theirs.env.items()
                                               if k.startswith(("TIPG_", "DB_"))}}}
        tipg_cid = parcels_collection_id(theirs)
        our_api, tipg_api = mine.openapi("/openapi.json"), theirs.openapi("/api")
        templates = {"ours": tile_template(our_api, "parcels"), "tipg": tile_template(tipg_api, tipg_cid)}
        results["servers"]["tile_templates"] = templates
        items = items_workloads(db, tipg_cid, args.seed)
        tiles = tile_workloads(db, templates, args.seed)
        for w in items:
            for s in servers:
                compare.check_paths(s, w.paths[s.name], "json")
        for w in tiles:
            for s in servers:
                compare.check_paths(s, w.paths[s.name], MVT)
        results["sanity"] = sanity(servers, items, tiles)

        if "ceiling" in args.only:
            log("a0. pgbench ceiling: our page SQL straight against PostGIS, 16 clients")
            results["ceiling"] = {}
            for n in LIMITS:
                pages = workloads.with_cursors(db, workloads.offset_pages(n, args.seed))
                scripts = ceiling.page_scripts(db, pages)
                results["ceiling"][f"limit{n}"] = ceiling.run_pgbench(db, scripts, 16, args.seconds, args.seed)
                log(f"  limit {n}: {results['ceiling'][f'limit{n}']}")
        if "items" in args.only:
            log("a. items: ours vs tipg")
            compare.warm_up(servers, [w for w in items if w.connections == 16])
            pairs = compare.run_alternating(servers, items, args.rounds, args.seconds, log)
            results["items"] = pairs
        if "tiles" in args.only:
            log("b. vector tiles: ours vs tipg")
            compare.warm_up(servers, tiles[:-1])
            results["tiles"] = compare.run_alternating(servers, tiles, args.rounds, args.seconds, log)
        results["load"]["after_http"] = load_average()
        if "parcel_check" in args.only:
            log("c. parcel check")
            results["parcel_check"] = run_parcel_check(mine, db, our_api, args)
        if "exports" in args.only:
            log("d. full exports (ours, restarted first: growth is measured from a fresh process)")
            mine.stop()
            mine.start()
            results["exports"] = {"geojsonseq": exports.geojsonseq(mine, "parcels"),
                                  "gpkg": exports.geopackage(mine, "parcels")}
            log(f"  {results['exports']}")
        if "qgis" in args.only:
            log(f"e. QGIS loads the whole collection over OAPIF (tipg stopped after {args.qgis_deadline} s)")
            results["qgis"] = {"ours": qgis_load.load(mine, "parcels", QGIS_FULL_LOAD_DEADLINE_S),
                               "tipg_deadline_s": args.qgis_deadline}
            log(f"  ours: {results['qgis']['ours']}")
            results["qgis"]["tipg"] = qgis_load.load(theirs, tipg_cid, args.qgis_deadline)
            log(f"  tipg: {results['qgis']['tipg']}")
        if args.profile and profile.available():
            results["profile"] = {}
            for key in ("items_limit1000_c16", "tiles_z16_c16"):
                log(f"profiling ours with py-spy under {key}")
                slow = next(w for w in items + tiles if w.key == key)
                results["profile"][key] = profile.profile(mine, slow.paths["ours"], slow.connections, 10)
    finally:
        for server in servers:
            server.stop()
        if args.keep_db and not args.db_url:
            log(f"cluster left running for --db-url {db.url}")
        elif not args.db_url:
            db.destroy()
    results["load"]["after"] = load_average()
    results["ratios"] = report.ratios(results)
    results["targets"] = report.targets(results, results["ratios"])
    results["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    return results


def run_parcel_check(server, db: BenchDatabase, openapi: dict, args) -> dict:
    if parcel_check.SINGLE_PATH not in openapi.get("paths", {}):
        return {"available": False, "note": "not available in this run: POST /analysis/parcel-check "
                                            "is not in the server's OpenAPI document"}
    out = {"single": parcel_check.single(server, db, args.seed, 2 * args.seconds)}
    if parcel_check.BATCH_PATH in openapi.get("paths", {}):
        for n, key in ((10_000, "batch_10k"), (100_000, "batch_100k")):
            out[key] = parcel_check.batch(server, db, openapi, min(n, args.n), args.seed,
                                          timeout_s=BATCH_DEADLINE_S)
            log(f"  {key}: {out[key]}")
    else:
        out["batch"] = {"available": False, "note": "not available in this run: no batch endpoint"}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200_000, help="synthetic parcels")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per workload")
    parser.add_argument("--seconds", type=int, default=5, help="duration of one wrk run")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma list of {SECTIONS}")
    parser.add_argument("--qgis-deadline", type=float, default=150,
                        help="stop QGIS loading from tipg after this (ratio from feature rates)")
    parser.add_argument("--wait-for-quiet", type=float, default=300, help="max seconds to wait for load < 1.5")
    parser.add_argument("--no-profile", dest="profile", action="store_false",
                        help="skip sampling our server with py-spy at the end")
    parser.add_argument("--quick", action="store_true", help="smoke test: 20k parcels, 1 round of 2 s")
    parser.add_argument("--db-url", help="reuse a prepared database instead of a throwaway one")
    parser.add_argument("--keep-db", action="store_true", help="leave the throwaway cluster running")
    parser.add_argument("--out", type=Path, help="default: bench/results/<date>.json")
    args = parser.parse_args()
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    if args.quick:
        args.n, args.rounds, args.seconds, args.qgis_deadline = 20_000, 1, 2, 60
    results = run(args)
    out = args.out or BENCH_DIR / "results" / f"{results['date']}{'-quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(report.summary_table(results))
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
