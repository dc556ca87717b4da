"""Side-by-side HTTP runs: rounds alternate between the servers, medians with their spread.
A workload lists the servers it is for (its ``paths``); the others sit it out."""
from __future__ import annotations

from dataclasses import dataclass

import httpx

from bench import wrk
from bench.machine import CpuMeter
from bench.servers import Server


@dataclass
class Workload:
    key: str                      # e.g. "items_limit100_c16"; ratios are named after it
    connections: int
    paths: dict[str, list[str]]   # server name -> its own URLs for the same requests
    seconds_factor: float = 1     # heavy requests (big tiles) get longer runs, so each counts enough


def check_paths(server: Server, paths: list[str], expect_type: str) -> None:
    """One request per distinct shape before any timing: a 4xx would make a fast, empty run."""
    for path in paths[:3]:
        response = httpx.get(server.base + path, timeout=120)
        ctype = response.headers.get("content-type", "")
        if response.status_code != 200 or expect_type not in ctype:
            raise RuntimeError(f"{server.name} {path}: {response.status_code} {ctype} "
                               f"{response.text[:200]}")


def warm_up(servers: list[Server], workloads: list[Workload], seconds: float = 2) -> None:
    for workload in workloads:
        for server in _serving(servers, workload):
            wrk.get_paths(server.base, workload.paths[server.name], workload.connections, seconds)


def run_alternating(servers: list[Server], workloads: list[Workload], rounds: int,
                    seconds: float, log=print, before_run=None) -> dict:
    """``before_run(server, workload)``, if given, runs untimed before each timed run (a cache fill)."""
    runs: dict[str, dict[str, list]] = {w.key: {s.name: [] for s in _serving(servers, w)} for w in workloads}
    for r in range(rounds):
        # Alternate who goes first, so neither always gets the warmer cache or the cooler CPU.
        order = servers if r % 2 == 0 else list(reversed(servers))
        for workload in workloads:
            for server in _serving(order, workload):
                if before_run is not None:
                    before_run(server, workload)
                with CpuMeter(server.pids) as cpu:
                    result = wrk.get_paths(server.base, workload.paths[server.name],
                                           workload.connections, seconds * workload.seconds_factor)
                result.update(cpu.result)
                # CPU per request is steadier than req/s on a shared machine: another process's load
                # slows both, but does not add to this server's CPU time.
                result["server_cpu_ms_per_request"] = round(
                    1000 * result["server_cpu_core_share"] / result["rps"], 2) if result["rps"] else None
                runs[workload.key][server.name].append(result)
                log(f"  round {r + 1}/{rounds} {workload.key:28} {server.name:9} "
                    f"{result['rps']:9.1f} req/s  p50 {result['p50_ms']:8.1f} ms  "
                    f"p95 {result['p95_ms']:8.1f} ms  cpu {result['server_cpu_core_share']:.2f}  "
                    f"err {result['errors']} non-2xx {result['non_2xx']}")
    return {key: {name: wrk.summarise(results) for name, results in per_server.items()}
            for key, per_server in runs.items()}


def _serving(servers: list[Server], workload: Workload) -> list[Server]:
    return [s for s in servers if s.name in workload.paths]


def ratio(ours: float | None, theirs: float | None) -> float | None:
    if not ours or not theirs:
        return None
    return round(ours / theirs, 2)
