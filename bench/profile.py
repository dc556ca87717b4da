"""Where our server spends its time: py-spy samples it while wrk loads one workload.

Returns the frames with the most samples (own time and time anywhere on the
stack), so PERFORMANCE.md can name what dominates instead of guessing.
"""
from __future__ import annotations

import collections
import subprocess
import tempfile
import threading
from pathlib import Path

from bench import wrk
from bench.servers import BENCH_DIR, Server

PY_SPY = BENCH_DIR / ".venv-tools" / "bin" / "py-spy"


def available() -> bool:
    return PY_SPY.exists()


# An idle executor thread shows as its own _worker frame: it blocks in the C queue's get.
IDLE_LEAVES = ("Condition.wait", "Queue.get", "Event.wait", "Runner.run", "select (selectors",
               "_worker (concurrent/futures/thread.py")
DB_WAIT_LEAVES = ("Connection.wait (psycopg",)


def _kind(leaf: str) -> str:
    if leaf.startswith(DB_WAIT_LEAVES):
        return "waiting_for_postgres"
    if leaf.startswith(IDLE_LEAVES):
        return "idle"  # pool/thread-pool queues and the event loop's select
    return "python"


def _aggregate(raw: Path, top: int) -> dict:
    """Collapsed stacks -> where the busy samples go: Python (by frame) or waiting for PostgreSQL."""
    kinds, leaf, inclusive = collections.Counter(), collections.Counter(), collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n, frames = int(count), stack.split(";")
        kind = _kind(frames[-1])
        kinds[kind] += n
        if kind == "python":
            leaf[frames[-1]] += n
        if kind != "idle":
            for frame in set(frames):
                inclusive[frame] += n
    busy = kinds["python"] + kinds["waiting_for_postgres"]

    def shares(counter):
        return [{"frame": f, "share_of_busy": round(c / busy, 3)} for f, c in counter.most_common(top)]

    return {"samples": sum(kinds.values()), "busy_samples": busy,
            "python_share_of_busy": round(kinds["python"] / busy, 3) if busy else None,
            "postgres_wait_share_of_busy": round(kinds["waiting_for_postgres"] / busy, 3) if busy else None,
            "python_self": shares(leaf), "inclusive": shares(inclusive)}


def profile(server: Server, paths: list[str], connections: int, seconds: int, top: int = 25) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-pyspy-") as tmp:
        raw = Path(tmp) / "stacks.txt"
        load = threading.Thread(target=wrk.get_paths,
                                args=(server.base, paths, connections, seconds + 2))
        load.start()
        # Idle frames are left out (py-spy's default): waiting threads would drown the work.
        subprocess.run([str(PY_SPY), "record", "-p", str(server.pid), "-d", str(seconds), "-r", "200",
                        "--format", "raw", "-o", str(raw)], capture_output=True, check=True)
        load.join()
        return _aggregate(raw, top)
