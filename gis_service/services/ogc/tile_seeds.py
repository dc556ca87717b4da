"""Seeding the low zooms of 城区 for large collections, by a CLI command and a background worker.

Seeds are cut by the same code as a live ``detail=auto`` tile and stored in ``tile_seeds``
under the collection's data_version; an edit makes them unservable at once (the version
moves), and the next run replaces them. Memory holds one tile at a time; disk is bounded
by ``tile_seed_max_mb`` per collection (seeding stops there, the rest is cut live).
"""
from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, text

from gis_service.queries import tile_bands, tile_seeds
from gis_service.queries.features import ItemsQuery
from gis_service.queries.registry import get_collection, list_collections
from gis_service.queries.tiles import fetch_tile
from gis_service.services.ogc.tile_detail import TilePolicy, bands_current, how_to_cut

log = logging.getLogger(__name__)
WAKE = threading.Event()  # set by the after-write subscriber: something may need re-seeding
DEBOUNCE_S = 2.0  # let a burst of edits commit before seeding once


@dataclass
class SeedResult:
    collection_id: str
    data_version: int
    tiles: int = 0
    bytes: int = 0
    rebuilt: bool = False
    truncated: bool = False


def rebuild_if_stale(engine: Engine, collection_id: str) -> bool:
    with engine.begin() as conn:
        c = get_collection(conn, collection_id)
        if tile_bands.built_version(conn, c.id) == c.data_version:
            return False
        tile_bands.rebuild(conn, c)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE tile_geoms"))
    return True


def seed_collection(engine: Engine, collection_id: str, policy: TilePolicy, max_zoom: int | None = None,
                    min_zoom: int = 0) -> SeedResult | None:
    """Seed ``collection_id`` over 城区 (None when another process holds the seed lock)."""
    rebuilt = rebuild_if_stale(engine, collection_id)
    with engine.begin() as conn:
        if not tile_seeds.try_lock(conn, collection_id):
            return None
        c = get_collection(conn, collection_id)
        result = SeedResult(c.id, c.data_version, rebuilt=rebuilt)
        bounds = tile_bands.districts_bounds(conn)
        if bounds is None or not bands_current(conn, c):
            return result
        tile_seeds.drop_other_versions(conn, c.id, c.data_version)
        q = ItemsQuery(collection=c, limit=1)
        for z in range(min_zoom, (policy.seed_max_zoom if max_zoom is None else max_zoom) + 1):
            cols, rows = tile_bands.tile_range(bounds, z)
            for x in cols:
                for y in rows:
                    if result.bytes >= policy.seed_max_bytes:
                        result.truncated = True
                        return result
                    body = fetch_tile(conn, q, z, x, y, how_to_cut(conn, c, z, "auto", False, policy))
                    tile_seeds.store(conn, c.id, c.data_version, z, x, y, body)
                    result.tiles, result.bytes = result.tiles + 1, result.bytes + len(body)
    return result


def seed_large(engine: Engine, policy: TilePolicy) -> list[SeedResult]:
    """Rebuild stale bands of every large collection; seed those whose seeds are not current."""
    with engine.connect() as conn:
        large = [c for c in list_collections(conn) if policy.is_large(c)]
        todo = [c.id for c in large if tile_seeds.seeded_versions(conn, c.id) != [c.data_version]]
    if not policy.seeds:
        for c in large:
            rebuild_if_stale(engine, c.id)
        return []
    return [r for cid in todo if (r := seed_collection(engine, cid, policy)) is not None]


class SeedWorker(threading.Thread):
    def __init__(self, engine: Engine, policy: TilePolicy, poll_s: float) -> None:
        super().__init__(name="tile-seeds", daemon=True)
        self.engine, self.policy, self.poll_s = engine, policy, poll_s
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                for r in seed_large(self.engine, self.policy):
                    log.info("seeded %s v%s: %s tiles, %s bytes", r.collection_id, r.data_version, r.tiles, r.bytes)
            except Exception:  # noqa: BLE001  (database briefly away, a concurrent load: next round)
                log.warning("tile seeding failed; retrying later", exc_info=True)
            WAKE.wait(self.poll_s)
            if WAKE.is_set():
                WAKE.clear()
                self.stop.wait(DEBOUNCE_S)


@asynccontextmanager
async def seed_lifespan(app):
    settings = app.state.settings
    worker = None
    if settings.tile_seed_worker:
        worker = SeedWorker(app.state.engine, TilePolicy.from_settings(settings), settings.tile_seed_poll_s)
        worker.start()
    try:
        yield
    finally:
        if worker is not None:
            worker.stop.set()
            WAKE.set()
            worker.join(timeout=10)
