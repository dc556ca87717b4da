"""A bounded loopback load run mixing the service's main paths.

Errors are 5xx answers, connection failures and timeouts; intended answers
(412 stale writes, 429 rate limits, 503 during a fault) are counted apart.
Run briefly inside `make test`; `make load` runs the long version:

    python -m tests.reliability.loadgen --base http://127.0.0.1:8000 --duration 60 --connections 64
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from collections import defaultdict

import httpx

INTENDED = {304, 412, 429, 503}
PARCEL = {"type": "Polygon", "coordinates": [[[112.846, 35.500], [112.848, 35.500], [112.848, 35.5015],
                                              [112.846, 35.5015], [112.846, 35.500]]]}


def _tile(rng: random.Random) -> str:
    import math

    z = rng.choice([12, 13, 14, 15])
    lon, lat = rng.uniform(112.78, 112.92), rng.uniform(35.44, 35.58)
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/collections/function_zones/tiles/WebMercatorQuad/{z}/{y}/{x}"


def _request(rng: random.Random, editor_key: str | None, write_target: str | None):
    """(endpoint label, method, path, kwargs) for one request of the mix."""
    roll = rng.random()
    if roll < 0.35:
        limit = rng.choice([10, 100, 1000])
        return f"items_limit{limit}", "GET", f"/collections/projects/items?limit={limit}", {}
    if roll < 0.45:
        x, y = rng.uniform(112.78, 112.91), rng.uniform(35.45, 35.57)
        return "items_bbox", "GET", f"/collections/urban_village_sites/items?bbox={x},{y},{x + .012},{y + .009}", {}
    if roll < 0.65:
        return "tiles", "GET", _tile(rng), {}
    if roll < 0.80:
        return "parcel_check", "POST", "/analysis/parcel-check", {"json": PARCEL}
    if roll < 0.88:
        return "map_page", "GET", "/maps/overview", {}
    if roll < 0.93 or not editor_key or not write_target:
        return "collections", "GET", "/collections", {}
    return "write", "PATCH", write_target, {"json": {"progress_note": f"load {rng.random():.6f}"},
                                             "headers": {"Authorization": f"Bearer {editor_key}"}}


async def run(base: str, duration_s: float, connections: int, max_requests: int,
              editor_key: str | None = None, write_target: str | None = None, seed: int = 1) -> dict:
    latencies: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    deadline = time.monotonic() + duration_s
    sent = 0

    async def worker(index: int) -> None:
        nonlocal sent
        rng = random.Random(seed * 1000 + index)
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
            while time.monotonic() < deadline and sent < max_requests:
                sent += 1
                label, method, path, kwargs = _request(rng, editor_key, write_target)
                started = time.monotonic()
                try:
                    if method == "PATCH":  # a write needs the current version, as a real client would
                        current = await client.get(write_target)
                        kwargs["headers"] = {**kwargs["headers"], "If-Match": current.headers.get("etag", '""')}
                        started = time.monotonic()
                    response = await client.request(method, path, **kwargs)
                    status = response.status_code
                except (httpx.TimeoutException, httpx.TransportError) as exc:
                    counts[label]["error:" + type(exc).__name__] += 1
                    continue
                latencies[label].append((time.monotonic() - started) * 1000)
                kind = "error" if status >= 500 and status not in INTENDED else (
                    "intended" if status in INTENDED else "ok" if status < 400 else f"client_{status}")
                counts[label][kind] += 1

    started = time.monotonic()
    await asyncio.gather(*(worker(i) for i in range(connections)))
    elapsed = time.monotonic() - started
    report = {"duration_s": round(elapsed, 2), "connections": connections, "requests": sent, "endpoints": {}}
    for label in sorted(set(latencies) | set(counts)):
        values = sorted(latencies.get(label, []))
        def pct(p: float, values=values) -> float | None:
            return round(values[min(len(values) - 1, int(p * len(values)))], 1) if values else None
        report["endpoints"][label] = {
            "count": len(values), "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "mean_ms": round(statistics.fmean(values), 1) if values else None, **dict(counts[label])}
    report["errors"] = sum(v for e in report["endpoints"].values() for k, v in e.items()
                           if k == "error" or str(k).startswith("error:"))
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--editor-key")
    parser.add_argument("--write-target", help="an item path to PATCH, e.g. /collections/projects/items/<id>")
    args = parser.parse_args()
    report = asyncio.run(run(args.base, args.duration, args.connections, args.max_requests,
                             args.editor_key, args.write_target))
    print(json.dumps(report, ensure_ascii=False, indent=1))
    raise SystemExit(1 if report["errors"] else 0)


if __name__ == "__main__":
    main()
