"""`make bench`: every benchmark (docs/PERFORMANCE.md) in one command; results to bench/results/<date>.json.

    .venv/bin/python -m bench.run [--quick] [--only items,tiles] [--no-profile]

It starts its own PostGIS, loads the plan layers and a synthetic cadastre, starts our server
(cold, and a second one warm for the tiles), tipg, MapServer 8 and pygeoapi on that same
database, and measures them in alternating rounds with wrk.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

import httpx

from bench import ceiling, compare, exports, floor, parcel_check, peers, profile, qgis_load, report, tile_runs, workloads
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


def items_workloads(db: BenchDatabase, prefixes: dict[str, tuple[str, str]], seed: int) -> list[Workload]:
    """The same pages from every server; each is asked the way its own next links ask (ours by
    keyset cursor, the peers by offset). ``prefixes``: peer -> (URL prefix, its collection id)."""
    shapes = {f"limit{n}": workloads.with_cursors(db, workloads.offset_pages(n, seed)) for n in LIMITS}
    shapes["bbox1km2_limit100"] = workloads.bbox_pages(workloads.district(db), 100, seed)
    fmts = {"tipg": "geojson"}
    out = []
    for connections in (1, 16):
        for name, pages in shapes.items():
            paths = {"ours": [workloads.items_path("parcels", p, "json", keyset=True) for p in pages]}
            if name in floor.WORKLOADS:  # the same URLs: it reads limit and after
                paths[floor.NAME] = paths["ours"]
            for peer, (prefix, cid) in prefixes.items():
                extra = ""
                if peer == "pygeoapi" and "bbox" in name:  # see peers.PYGEOAPI_STORAGE_CRS
                    cid, extra = peers.PYGEOAPI_BBOX_COLLECTION, f"&bbox-crs={peers.PYGEOAPI_STORAGE_CRS}"
                paths[peer] = [prefix + workloads.items_path(cid, p, fmts.get(peer, "json")) + extra for p in pages]
            out.append(Workload(f"items_{name}_c{connections}", connections, paths))
    return out


def sanity(servers, items: list[Workload], tiles: list[Workload]) -> dict:
    """Every server answers the same question: the same features per bbox and per page, comparable
    tile sizes."""
    bbox = next(w for w in items if "bbox" in w.key)
    page = next(w for w in items if w.key == "items_limit10_c1")
    counts, first_ids = [], {}
    for i in range(3):
        row = {}
        for s in servers:
            if s.name not in bbox.paths:
                continue
            body = httpx.get(s.base + bbox.paths[s.name][i], timeout=60).json()
            row[s.name] = {"returned": body.get("numberReturned", len(body["features"])),
                           "matched": body.get("numberMatched")}
        counts.append(row)
    for s in servers:
        if s.name in page.paths:
            body = httpx.get(s.base + page.paths[s.name][0], timeout=60).json()
            first_ids[s.name] = [str(f.get("id")) for f in body["features"]][:3]
    sizes = {}
    for w in tiles:
        if w.connections == 16 and not w.key.startswith("tiles_gen"):
            sizes[w.key] = {s.name: len(httpx.get(s.base + w.paths[s.name][0], timeout=600).content)
                            for s in servers if s.name in w.paths}
    return {"bbox_counts": counts, "first_page_ids": first_ids, "first_tile_bytes": sizes}


def start_servers(db: BenchDatabase, results: dict, servers: list) -> dict:
    """Ours cold and warm, tipg, MapServer and pygeoapi where installed, and the Python floor
    (bench.floor), appended to ``servers``
    (which the caller stops, also after a failed start); returns their items prefixes."""
    extent = workloads.district(db).bounds
    mine, warm, theirs = ours(db.url), ours(db.url, warm=True), tipg(db.libpq_url)
    servers += [mine, warm, theirs]
    missing = peers.mapserver_missing_support()
    results["machine"]["mapserver"] = peers.mapserver_version()
    results["machine"]["pygeoapi_sqlalchemy_psycopg2"] = peers.pygeoapi_version()
    if not missing:
        servers.append(peers.MapServer(db.url, extent))
    else:
        results["servers_missing"] = {"mapserver": f"mapserv -v lacks {missing}"}
    pygeo = peers.pygeoapi(db.url, extent)
    if pygeo is not None:
        servers.append(pygeo)
    servers.append(floor.server(db))
    for server in servers:
        server.start()
    results["servers"] = {s.name: {"env": {k: v for k, v in s.env.items()
                                           if k.startswith(("GIS_", "TIPG_", "DB_", "MAPSERV", "PYGEOAPI"))}}
                          for s in servers}
    prefixes = {"tipg": ("", parcels_collection_id(theirs))}
    results["servers"]["tipg_collection"] = prefixes["tipg"][1]
    names = {s.name for s in servers}
    if "mapserver" in names:
        prefixes["mapserver"] = ("/mapserv/parcels/ogcapi", "parcels")
    if "pygeoapi" in names:
        prefixes["pygeoapi"] = ("", "parcels")
    return prefixes


def run(args) -> dict:
    results: dict = {"date": dt.date.today().isoformat(), "started": dt.datetime.now().isoformat(timespec="seconds"),
                     "machine": machine_info(), "config": {
                         "parcels": args.n, "seed": args.seed, "rounds": args.rounds,
                         "seconds_per_run": args.seconds, "sections": args.only}}
    results["load"] = {"before": wait_for_quiet(args.wait_for_quiet)}
    log("starting a throwaway PostGIS" if not args.db_url else f"using {args.db_url}")
    db = BenchDatabase.at(args.db_url) \
        if args.db_url else start_cluster()
    servers = []
    try:
        if not args.db_url:
            log(f"migrating, loading layers and {args.n} synthetic parcels")
            results["setup"] = prepare(db, args.n, args.seed)
        results["database"] = server_versions(db)
        results["machine"]["tipg_uvicorn_asyncpg"] = tipg_version()
        prefixes = start_servers(db, results, servers)
        by_name = {s.name: s for s in servers}
        mine = by_name["ours"]
        our_api = mine.openapi("/openapi.json")
        templates = {"ours": tile_template(our_api, "parcels"), "ours_warm": tile_template(our_api, "parcels"),
                     "tipg": tile_template(by_name["tipg"].openapi("/api"), prefixes["tipg"][1])}
        if "mapserver" in by_name:
            templates["mapserver"] = peers.MapServer.TILE_TEMPLATE
        results["servers"]["tile_templates"] = templates
        items = items_workloads(db, prefixes, args.seed)
        district_tile = workloads.district_tiles(db, args.seed)[14][0]
        results["tile_detail"] = tile_runs.probe_detail(mine, templates["ours"], district_tile)
        log(f"  tile detail parameter: {results['tile_detail']}")
        tiles = tile_runs.tile_workloads(db, templates, results["tile_detail"], args.seed)
        for w in items:
            for s in servers:
                if s.name in w.paths:
                    compare.check_paths(s, w.paths[s.name], "json")
        checked = set()  # the c1 and warm workloads ask for the c16 tiles again: check each once
        for w in tiles:
            for s in servers:
                if s.name in w.paths and (s.name, w.paths[s.name][0]) not in checked:
                    checked.add((s.name, w.paths[s.name][0]))
                    compare.check_paths(s, w.paths[s.name], MVT)
        results["sanity"] = sanity(servers, items, tiles)
        run_sections(args, results, db, servers, items, tiles, our_api)
    finally:
        for server in servers:
            server.stop()
        if args.keep_db and not args.db_url:
            log(f"cluster left running for --db-url {db.url}")
        elif not args.db_url:
            db.destroy()
    results["load"]["after"] = load_average()
    baseline = json.loads(args.baseline.read_text(encoding="utf-8")) if args.baseline else None
    results["config"]["baseline"] = str(args.baseline) if args.baseline else None
    try:  # a report bug must not lose an hour of measurements: the raw numbers are written anyway
        results["ratios"] = report.ratios(results)
        results["targets"] = report.targets(results, results["ratios"], baseline)
        results["winners"] = report.winners(results)
    except Exception as error:  # noqa: BLE001
        results["report_error"] = repr(error)
    results["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    return results


def run_sections(args, results: dict, db: BenchDatabase, servers: list, items: list, tiles: list,
                 our_api: dict) -> None:
    by_name = {s.name: s for s in servers}
    mine, theirs = by_name["ours"], by_name["tipg"]
    http = [s for s in servers if s.name != "ours_warm"]
    if "ceiling" in args.only:
        log("a0. pgbench ceiling: our page SQL straight against PostGIS, 16 clients")
        results["ceiling"] = {}
        for n in LIMITS:
            pages = workloads.with_cursors(db, workloads.offset_pages(n, args.seed))
            scripts = ceiling.page_scripts(db, pages)
            results["ceiling"][f"limit{n}"] = ceiling.run_pgbench(db, scripts, 16, args.seconds, args.seed)
            log(f"  limit {n}: {results['ceiling'][f'limit{n}']}")
    if "items" in args.only:
        log(f"a. items: {', '.join(s.name for s in http)}")
        compare.warm_up(http, [w for w in items if w.connections == 16])
        results["items"] = compare.run_alternating(http, items, args.rounds, args.seconds, log)
    if "tiles" in args.only:
        log(f"b. vector tiles: {', '.join(s.name for s in servers if s.name != 'pygeoapi')} (cold and warm)")
        compare.warm_up([s for s in servers if s.name != "ours_warm"], [w for w in tiles if w.connections == 16],
                        seconds=1)
        results["tiles"] = compare.run_alternating(servers, tiles, args.rounds, args.seconds, log,
                                                   before_run=tile_runs.fill)
    results["load"]["after_http"] = load_average()
    for server in servers:  # the rest measures ours alone
        if server.name not in ("ours", "tipg"):
            server.stop()
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
        results["qgis"]["tipg"] = qgis_load.load(theirs, results["servers"]["tipg_collection"], args.qgis_deadline)
        log(f"  tipg: {results['qgis']['tipg']}")
    if args.profile and profile.available():
        results["profile"] = {}
        for key in ("items_limit10_c16", "items_limit1000_c16", "tiles_z16_c16"):
            found = [w for w in items + tiles if w.key == key]
            if found:
                log(f"profiling ours with py-spy under {key}")
                results["profile"][key] = profile.profile(mine, found[0].paths["ours"], found[0].connections, 10)


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
    parser.add_argument("--baseline", type=Path, help="an earlier results file: items no slower than it")
    args = parser.parse_args()
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    if args.quick:
        args.n, args.rounds, args.seconds, args.qgis_deadline = 20_000, 1, 2, 60
    results = run(args)
    out = args.out or BENCH_DIR / "results" / f"{results['date']}{'-quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    if "report_error" not in results:
        print(report.summary_table(results))
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
