"""c. The parcel check: single-parcel latency and throughput, and batch jobs of 10k/100k.

The endpoints are found in our OpenAPI document; when they are absent the
section says so and reports no numbers.
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from bench import wrk
from bench.database import BenchDatabase
from bench.machine import RssSampler, peak_rss_mb, reset_peak_rss, rss_mb
from bench.servers import Server

SINGLE_PATH = "/analysis/parcel-check"
BATCH_PATH = "/analysis/parcel-check/batch"
SAMPLE_PARCELS = 200
DONE_STATES = {"succeeded", "failed"}


def sample_rows(db: BenchDatabase, n: int, seed: int):
    """Seeded parcels spread over the table (md5 order), geometry as CRS84 GeoJSON."""
    engine = db.engine()
    with engine.connect() as conn:
        # GeoJSON only for the chosen rows: picked in a subquery first.
        rows = conn.execute(text(
            "SELECT id, land_use, ST_AsGeoJSON(geom, 7) AS geometry FROM "
            "(SELECT * FROM parcels ORDER BY md5(id || :seed) LIMIT :n) chosen "
            "ORDER BY md5(id || :seed)"), {"seed": str(seed), "n": n}).all()
    engine.dispose()
    return rows


def single(server: Server, db: BenchDatabase, seed: int, seconds: float) -> dict:
    bodies = [row.geometry for row in sample_rows(db, SAMPLE_PARCELS, seed)]
    probe = httpx.post(server.base + SINGLE_PATH, content=bodies[0],
                       headers={"content-type": "application/json"}, timeout=60)
    if probe.status_code >= 400:
        return {"available": False, "reason": f"probe answered {probe.status_code}: {probe.text[:300]}"}
    # Warm every pooled connection first: each backend's first transform initialises PROJ
    # (~0.3-0.5 s), and wrk's latency correction would turn one such stall into many samples.
    wrk.post_json(server.base, SINGLE_PATH, bodies, 16, 5)
    wrk.post_json(server.base, SINGLE_PATH, bodies, 1, 2)
    c1 = wrk.post_json(server.base, SINGLE_PATH, bodies, 1, seconds)
    c16 = wrk.post_json(server.base, SINGLE_PATH, bodies, 16, seconds)
    return {"available": True, "c1": c1, "c16": c16, "seconds_per_run": seconds}


def _upload_field(openapi: dict) -> str:
    """The multipart field that carries the file, from the batch endpoint's schema."""
    body = openapi["paths"][BATCH_PATH]["post"].get("requestBody", {})
    schema = body.get("content", {}).get("multipart/form-data", {}).get("schema", {})
    if "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for name, prop in schema.get("properties", {}).items():
        if prop.get("format") == "binary" or prop.get("contentMediaType") == "application/octet-stream":
            return name
    return "file"


def _write_batch_file(db: BenchDatabase, n: int, seed: int, path: Path) -> None:
    """A GeoPackage, as an analyst would upload it; 100k parcels as GeoJSON would pass 50 MB."""
    import geopandas as gpd
    import shapely

    rows = sample_rows(db, n, seed)
    frame = gpd.GeoDataFrame({"宗地编码": [r.id for r in rows], "land_use": [r.land_use for r in rows]},
                             geometry=shapely.from_geojson([r.geometry for r in rows]), crs="EPSG:4490")
    frame.to_file(path, driver="GPKG", layer="parcels")


def _job_url(response: httpx.Response) -> str | None:
    if response.headers.get("location"):
        return response.headers["location"]
    body = response.json()
    for link in body.get("links", []):
        if link.get("rel") in ("monitor", "status", "self"):
            return link["href"]
    job_id = body.get("job_id") or body.get("jobId") or body.get("id")
    return f"/jobs/{job_id}" if job_id else None


def batch(server: Server, db: BenchDatabase, openapi: dict, n: int, seed: int,
          timeout_s: float = 300) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        path = Path(tmp) / f"parcels-{n}.gpkg"
        _write_batch_file(db, n, seed, path)
        size = path.stat().st_size
        baseline = rss_mb(server.pid)
        hwm_reset = reset_peak_rss(server.pid)
        started = time.monotonic()
        with RssSampler(server.pid) as sampler:
            with open(path, "rb") as fh:
                response = httpx.post(server.base + BATCH_PATH, timeout=600,
                                      files={_upload_field(openapi): (path.name, fh, "application/geopackage+sqlite3")})
            if response.status_code >= 400:
                return {"parcels": n, "error": f"{response.status_code}: {response.text[:300]}"}
            url = _job_url(response)
            state, body = None, {}
            while url and time.monotonic() - started < timeout_s:
                body = httpx.get(url if url.startswith("http") else server.base + url, timeout=60).json()
                state = body.get("state") or body.get("status")
                if state in DONE_STATES:
                    break
                time.sleep(0.25)
        wall = time.monotonic() - started
    peak = max(sampler.peak, peak_rss_mb(server.pid) if hwm_reset else 0)
    return {"parcels": n, "state": state, "wall_s": round(wall, 2), "timed_out": state not in DONE_STATES,
            "processed": body.get("processed"), "upload_mb": round(size / 2**20, 1),
            "rss_before_mb": baseline, "rss_peak_mb": peak,
            "rss_growth_mb": round(peak - baseline, 1)}


# --- In-process head-to-head (old code vs new on one database) -------------------------------
# python -m bench.parcel_check prepare DIR        a throwaway PostGIS with 200k parcels, batch files
# python -m bench.parcel_check batch DIR N        upload -> succeeded in this process, N = 10000 | 100000
# python -m bench.parcel_check single DIR S       one uvicorn server; c1 latencies and c16 rate for S s
# Run with PYTHONPATH pointing at another checkout's root to time that code on the same database.

def _state(directory: Path) -> dict:
    import json
    return json.loads((directory / "state.json").read_text())


def inproc_prepare(directory: Path, n_parcels: int = 200_000) -> None:
    import json

    from bench.database import start_cluster
    from gis_service.db.migrate import upgrade
    from gis_service.loader.load import load_layers
    from gis_service.loader.parcels import load_synthetic_parcels
    from gis_service.settings import PROJECT_ROOT

    directory.mkdir(parents=True, exist_ok=True)
    db = start_cluster()
    upgrade(db.url)
    engine = db.engine()
    load_layers(engine, PROJECT_ROOT / "layers")
    load_synthetic_parcels(engine, n_parcels, 42, progress=True)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE parcels"))
    engine.dispose()
    for n in (10_000, 100_000):
        _write_batch_file(db, n, 7, directory / f"parcels-{n}.gpkg")
    (directory / "state.json").write_text(json.dumps({"url": db.url, "data_dir": str(db.cluster.data_dir)}))
    print(db.url)


def _cpu_s() -> float:
    """CPU seconds of the whole machine so far (user + system, every core)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    return (int(fields[0]) + int(fields[1]) + int(fields[2])) / os.sysconf("SC_CLK_TCK")


def inproc_batch(directory: Path, n: int) -> dict:
    from gis_service.db.engine import make_engine
    from gis_service.services.parcel_check import jobs
    from gis_service.settings import Settings

    settings = Settings(database_url=_state(directory)["url"])
    engine = make_engine(settings)
    content = (directory / f"parcels-{n}.gpkg").read_bytes()
    cpu, started = _cpu_s(), time.monotonic()
    with engine.connect() as conn:
        job_id = jobs.submit_job(conn, content, f"parcels-{n}.gpkg", settings=settings, actor="bench",
                                 options={})
    staged = time.monotonic() - started
    job = jobs.claim_job(engine, "bench", 600, 3)
    assert job is not None and job["id"] == job_id
    state = jobs.process_job(engine, job, "bench", settings.parcel_batch_chunk, lanes=settings.parcel_batch_lanes)
    wall, cpu = time.monotonic() - started, _cpu_s() - cpu
    with engine.begin() as conn:
        verdicts = dict(conn.execute(text("SELECT verdict, count(*) FROM parcel_check_job_rows WHERE job_id = :j "
                                          "GROUP BY 1"), {"j": job_id}).all())
        # The rows first, vacuumed, then the reports: each deleted report's ON DELETE SET NULL scans
        # the job rows (report_id has no index).
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        ids = conn.execute(text("DELETE FROM parcel_check_job_rows WHERE job_id = :j RETURNING report_id"),
                           {"j": job_id}).scalars().all()
        conn.execute(text("DELETE FROM parcel_check_jobs WHERE id = :j"), {"j": job_id})
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM parcel_check_job_rows"))
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        conn.execute(text("DELETE FROM parcel_check_reports r USING unnest(CAST(:ids AS text[])) t(id) "
                          "WHERE r.id = t.id"), {"ids": ids})
    engine.dispose()
    return {"parcels": n, "state": state, "wall_s": round(wall, 2), "read_and_stage_s": round(staged, 2),
            "machine_cpu_s": round(cpu, 1), "verdicts": verdicts, "code": _code_root()}


def _code_root() -> str:
    import gis_service
    return str(Path(gis_service.__file__).resolve().parent.parent)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def inproc_single(directory: Path, seconds: float) -> dict:
    import threading

    from bench.servers import ours

    url = _state(directory)["url"]
    bodies = [row.geometry for row in sample_rows(BenchDatabase(url=url, port=0), SAMPLE_PARCELS, 3)]
    server = ours(url)
    server.env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")
    server.start()

    def run(clients: int, duration: float) -> list[float]:
        latencies: list[float] = []
        deadline = time.monotonic() + duration

        def loop(k: int) -> None:
            with httpx.Client(base_url=server.base, timeout=60,
                              headers={"content-type": "application/json"}) as client:
                i = k
                while time.monotonic() < deadline:
                    t0 = time.monotonic()
                    response = client.post(SINGLE_PATH, content=bodies[i % len(bodies)])
                    assert response.status_code == 200, response.text[:300]
                    latencies.append(time.monotonic() - t0)
                    i += clients
        threads = [threading.Thread(target=loop, args=(k,)) for k in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return latencies

    try:
        run(16, 4)  # every pooled connection's first PROJ set-up, before anything is timed
        c1 = run(1, seconds)
        c16 = run(16, seconds)
    finally:
        server.stop()
    return {"c1_p50_ms": _percentile(c1, 0.5), "c1_p95_ms": _percentile(c1, 0.95),
            "c1_p99_ms": _percentile(c1, 0.99), "c16_per_s": round(len(c16) / seconds, 1),
            "c16_p50_ms": _percentile(c16, 0.5), "code": _code_root()}


if __name__ == "__main__":
    import json
    import sys

    command, where = sys.argv[1], Path(sys.argv[2])
    if command == "prepare":
        inproc_prepare(where)
    elif command == "batch":
        print(json.dumps(inproc_batch(where, int(sys.argv[3]))))
    else:
        print(json.dumps(inproc_single(where, float(sys.argv[3]))))
