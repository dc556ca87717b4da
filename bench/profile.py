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


def _aggregate(raw: Path, top: int) -> dict:
    """Collapsed stacks -> share of samples per leaf frame and per frame anywhere on the stack."""
    leaf, inclusive, total = collections.Counter(), collections.Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        leaf[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n

    def shares(counter):
        return [{"frame": f, "share": round(c / total, 3)} for f, c in counter.most_common(top)]

    return {"samples": total, "self": shares(leaf), "inclusive": shares(inclusive)}


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
