"""How much detail a tile carries (``detail=auto|full``) and how the generalised side stays current.

Large collections (``tile_generalise_min_features`` or more) get, with ``detail=auto``, per-zoom
bands from ``tile_geoms`` (simplified to half a pixel, features under a pixel dropped) and,
below ``tile_aggregate_below_zoom``, counts per 街道 and land-use class. ``detail=full`` is
every feature as stored, the same content a peer server gives. Small collections are the same
under both.

Consistency: the bands are patched by an after-write subscriber inside the writing
transaction; loads rebuild them. They are served only while ``tile_state.data_version``
equals the collection's ``data_version``; otherwise the tile is cut live from the source
with the same generalisation, so a stale band is never served.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy import Connection

from gis_service.db.post_write import WriteEvent
from gis_service.errors import BadParameter, UnknownCollection
from gis_service.queries import tile_bands
from gis_service.queries.registry import Collection, get_collection
from gis_service.settings import Settings

DETAILS = ("auto", "full")


@dataclass(frozen=True)
class TilePolicy:
    min_features: int
    aggregate_below: int
    seeds: bool
    seed_max_zoom: int
    seed_max_bytes: int

    @classmethod
    def from_settings(cls, s: Settings) -> TilePolicy:
        return cls(s.tile_generalise_min_features, s.tile_aggregate_below_zoom, s.tile_seeds,
                   s.tile_seed_max_zoom, s.tile_seed_max_mb * 1024 * 1024)

    def is_large(self, c: Collection) -> bool:
        return c.feature_count >= self.min_features


def parse_detail(value: str | None) -> str:
    detail = value or "auto"
    if detail not in DETAILS:
        raise BadParameter("detail", "detail 只能是 auto 或 full", f"detail must be one of {list(DETAILS)}",
                           detail={"given": detail})
    return detail


# (database, collection, data_version) whose bands are known current: once true for a
# version it stays true until the version changes, so positives can be remembered.
_current: set[tuple[str, str, int]] = set()
_current_lock = threading.Lock()


def bands_current(conn: Connection, c: Collection) -> bool:
    key = (str(conn.engine.url), c.id, c.data_version)
    if key in _current:
        return True
    if tile_bands.built_version(conn, c.id) != c.data_version:
        return False
    with _current_lock:
        if len(_current) > 10_000:
            _current.clear()
        _current.add(key)
    return True


def how_to_cut(conn: Connection, c: Collection, z: int, detail: str, as_of: bool,
               policy: TilePolicy, filtered: bool = False) -> str:
    """Which tile SQL serves this request (see queries.tiles.fetch_tile)."""
    if not policy.is_large(c) or as_of:  # history is cut from the history tables, as stored
        return "source"
    current = bands_current(conn, c)
    if detail == "full":
        return "banded_full" if current else "source"
    if z < policy.aggregate_below:
        return "aggregate" if current and not filtered else "aggregate_live"
    return "banded" if current else "banded_live"


def on_write(conn: Connection, event: WriteEvent, *, min_features: int, wake=None) -> None:
    """After-write subscriber: keep the collection's bands in step with the write."""
    try:
        c = get_collection(conn, event.collection_id)
    except UnknownCollection:
        tile_bands.drop(conn, event.collection_id)
        return
    if c.feature_count < min_features:
        if tile_bands.built_version(conn, c.id) is not None:
            tile_bands.drop(conn, c.id)
        return
    if not event.feature_ids:
        tile_bands.rebuild(conn, c)
    else:
        before = tile_bands.committed_version(conn, c.id)
        now = tile_bands.lock_collection(conn, c.id)
        built = tile_bands.built_version(conn, c.id)
        if built is None:
            return  # never built: the worker or `gis-service tiles build` builds it; cut live meanwhile
        # Claim the new version only if the bands matched the version before this write.
        tile_bands.patch(conn, c, list(event.feature_ids), claim_version=now if built == before else None)
    if wake is not None:
        wake()
