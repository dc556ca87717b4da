"""d. Full exports of the parcels layer: wall time and the server's peak-RSS growth."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import httpx

from bench.machine import RssSampler, peak_rss_mb, reset_peak_rss, rss_mb
from bench.servers import Server

RECORD_SEPARATOR = b"\x1e"


def _measure(server: Server, path: str, sink) -> dict:
    """Stream ``path`` into ``sink(chunk)``; the server's RSS is read before and at its peak."""
    baseline = rss_mb(server.pid)
    hwm_reset = reset_peak_rss(server.pid)
    started = time.monotonic()
    with RssSampler(server.pid) as sampler:
        with httpx.stream("GET", server.base + path, timeout=900) as response:
            status = response.status_code
            size = 0
            for chunk in response.iter_bytes(1 << 20):
                size += len(chunk)
                sink(chunk)
    wall = time.monotonic() - started
    # VmHWM catches a peak between two samples; the sampler is the fallback without clear_refs.
    peak = max(sampler.peak, peak_rss_mb(server.pid) if hwm_reset else 0)
    return {"status": status, "wall_s": round(wall, 2), "bytes": size,
            "mb_per_s": round(size / wall / 2**20, 1), "rss_before_mb": baseline,
            "rss_peak_mb": peak, "rss_growth_mb": round(peak - baseline, 1),
            "rss_after_mb": rss_mb(server.pid), "peak_from_vmhwm": hwm_reset}


def geojsonseq(server: Server, collection_id: str) -> dict:
    records = 0

    def count(chunk: bytes) -> None:
        nonlocal records
        records += chunk.count(RECORD_SEPARATOR)

    result = _measure(server, f"/collections/{collection_id}/items?f=geojsonseq", count)
    result["features"] = records
    return result


def geopackage(server: Server, collection_id: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-gpkg-") as tmp:
        path = Path(tmp) / "parcels.gpkg"
        with open(path, "wb") as fh:
            result = _measure(server, f"/collections/{collection_id}/items?f=gpkg", fh.write)
        if result["status"] == 200:
            import pyogrio

            layers = [name for name, _ in pyogrio.list_layers(path) if name != "layer_styles"]
            result["features"] = pyogrio.read_info(path, layer=layers[0])["features"]
    return result
