"""Debian's wrk as the load generator, driven by the Lua scripts in bench/lua."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

LUA_DIR = Path(__file__).resolve().parent / "lua"
# One wrk thread is plenty for these request rates and leaves the two cores to the servers.
WRK_THREADS = 1


def _run(base: str, script: str, env_extra: dict, connections: int, seconds: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        out = Path(tmp) / "out.json"
        env = {**os.environ, "WRK_OUT": str(out), "WRK_LUA_DIR": str(LUA_DIR), **env_extra}
        cmd = ["wrk", "-t", str(WRK_THREADS), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
               "--timeout", "120s", "-s", str(LUA_DIR / script), base]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=seconds + 180)
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"wrk failed: {proc.stderr.strip()[-400:]}")
        raw = json.loads(out.read_text())
    seconds_run = raw["duration_us"] / 1e6
    errors = sum(raw["errors"].values())
    lat = raw["latency_us"]
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds_run, 2),
        "p50_ms": round(lat["p50"] / 1000, 2), "p95_ms": round(lat["p95"] / 1000, 2),
        "p99_ms": round(lat["p99"] / 1000, 2), "mean_ms": round(lat["mean"] / 1000, 2),
        "max_ms": round(lat["max"] / 1000, 2),
        "mb_per_s": round(raw["bytes"] / seconds_run / 2**20, 2),
        "errors": errors, "non_2xx": raw["errors"]["status"],
    }


def get_paths(base: str, paths: list[str], connections: int, seconds: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(paths) + "\n")
    try:
        return _run(base, "paths.lua", {"WRK_PATHS": fh.name}, connections, seconds)
    finally:
        Path(fh.name).unlink(missing_ok=True)


def post_json(base: str, path: str, bodies: list[str], connections: int, seconds: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(bodies) + "\n")
    try:
        return _run(base, "post_json.lua", {"WRK_BODIES": fh.name, "WRK_POST_PATH": path},
                    connections, seconds)
    finally:
        Path(fh.name).unlink(missing_ok=True)


def summarise(runs: list[dict]) -> dict:
    """Median over rounds, with the spread (min, max) of throughput and latencies."""
    def med(key: str) -> float:
        return round(statistics.median(r[key] for r in runs), 2)

    rps = [r["rps"] for r in runs]
    return {
        "rps": med("rps"), "rps_min": min(rps), "rps_max": max(rps),
        "p50_ms": med("p50_ms"), "p95_ms": med("p95_ms"), "p99_ms": med("p99_ms"),
        "p95_ms_min": min(r["p95_ms"] for r in runs), "p95_ms_max": max(r["p95_ms"] for r in runs),
        "mb_per_s": med("mb_per_s"),
        "server_cpu_core_share": med("server_cpu_core_share") if "server_cpu_core_share" in runs[0] else None,
        "server_cpu_ms_per_request": round(statistics.median(per), 2) if (per := [
            r["server_cpu_ms_per_request"] for r in runs if r.get("server_cpu_ms_per_request") is not None]) else None,
        "machine_cpu_busy": med("machine_cpu_busy") if runs[0].get("machine_cpu_busy") is not None else None,
        "errors": sum(r["errors"] for r in runs), "non_2xx": sum(r["non_2xx"] for r in runs),
        "rounds": runs,
    }
