"""Tile workloads z10–z16: cold and warm, same-content and generalised, each labelled.

- same-content (``tiles_z{z}_c16``): our full tiles (``detail=full`` where the build has it) beside
  the peers' full tiles: the same features and attributes.
- generalised (``tiles_gen_z{z}_c16``): our default ``detail=auto`` tiles, run in the same rounds;
  their table compares them with the peers' *full* tiles from the same-content workload.
- ``ours`` is cold (no in-process cache, no seeds); ``ours_warm`` is a second process of ours with the
  cache on and seeds as deployed, filled by asking every tile of the workload once right before each
  timed run. Peers have no cache: any ratio of ``ours_warm`` to a peer is warm against cold.
"""
from __future__ import annotations

import httpx

from bench import workloads
from bench.compare import Workload
from bench.database import BenchDatabase
from bench.servers import Server

COLD, WARM = "ours", "ours_warm"
PEERS = ("tipg", "mapserver")
C1_COLD_ZOOMS = (10, 11, 12, 13)   # the cold p95 target is a single user's
C1_WARM_ZOOMS = (10, 11, 12, 13, 14)
NOT_AVAILABLE = "not available in this build"


def probe_detail(server: Server, template: str, tile: tuple[int, int, int]) -> dict:
    """Whether our tile route honours ``detail`` (full / auto): a 400 means this build has none."""
    out = {}
    for value in ("full", "auto"):
        r = httpx.get(server.base + workloads.tile_path(template, tile) + f"?detail={value}", timeout=300)
        out[value] = r.status_code == 200
    out["available"] = out["full"] and out["auto"]
    if not out["available"]:
        out["note"] = NOT_AVAILABLE
    return out


def tile_workloads(db: BenchDatabase, templates: dict[str, str], detail: dict, seed: int) -> list[Workload]:
    tiles = workloads.district_tiles(db, seed)
    full = "?detail=full" if detail.get("available") else ""

    def paths(z, names, suffix=""):
        return {n: [workloads.tile_path(templates[n], t) + (suffix if n in (COLD, WARM) else "")
                    for t in tiles[z]] for n in names}

    out = []
    for z in workloads.TILE_ZOOMS:
        # Low-zoom full tiles of a dense cadastre are megabytes each: longer runs, so each counts.
        factor = 2 if z <= 13 else 1
        out.append(Workload(f"tiles_z{z}_c16", 16, paths(z, (COLD, WARM, *PEERS), full), factor))
        if detail.get("available"):
            out.append(Workload(f"tiles_gen_z{z}_c16", 16, paths(z, (COLD, WARM), "?detail=auto"), factor))
    for z in C1_WARM_ZOOMS:
        names = (COLD, WARM) if z in C1_COLD_ZOOMS else (WARM,)
        out.append(Workload(f"tiles_z{z}_c1", 1, paths(z, names, full)))
        if detail.get("available"):
            out.append(Workload(f"tiles_gen_z{z}_c1", 1, paths(z, names, "?detail=auto")))
    return out


def fill(server: Server, workload: Workload) -> None:
    """Ask every tile of the workload once, so the warm server's cache holds them all."""
    if server.name != WARM:
        return
    with httpx.Client(base_url=server.base, timeout=600) as client:
        for path in dict.fromkeys(workload.paths[server.name]):
            client.get(path)
