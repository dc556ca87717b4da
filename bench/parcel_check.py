"""c. The parcel check: single-parcel latency and throughput, and batch jobs of 10k/100k.

The endpoints are found in our OpenAPI document; when they are absent the
section says so and reports no numbers.
"""
from __future__ import annotations

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
