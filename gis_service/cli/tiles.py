"""`gis-service tiles build|seed`: generalised bands and seeded low zooms of large collections."""
from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console

from gis_service.settings import Settings

tiles_app = typer.Typer(help="Vector tiles of large collections (矢量瓦片)", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)


def _engine(settings: Settings):
    from gis_service.db.engine import make_engine

    return make_engine(settings, pool_size=2, max_overflow=0)


@tiles_app.command("build")
def build_command(collection: str = typer.Argument(..., help="collection id, e.g. parcels")) -> None:
    """Rebuild the per-zoom Web Mercator bands of one collection (if they are not current)."""
    from gis_service.services.ogc.tile_seeds import rebuild_if_stale

    engine = _engine(Settings())
    try:
        rebuilt = rebuild_if_stale(engine, collection)
    finally:
        engine.dispose()
    console.print(f"{collection}: {'rebuilt' if rebuilt else 'already current'}")


@tiles_app.command("seed")
def seed_command(collection: Optional[str] = typer.Argument(None, help="default: every large collection"),
                 max_zoom: Optional[int] = typer.Option(None, help="default: GIS_TILE_SEED_MAX_ZOOM")) -> None:
    """Seed 城区's low zooms (detail=auto) at the current data_version; bounded by GIS_TILE_SEED_MAX_MB."""
    from gis_service.services.ogc.tile_detail import TilePolicy
    from gis_service.services.ogc.tile_seeds import seed_collection, seed_large

    settings = Settings()
    policy = TilePolicy.from_settings(settings)
    engine = _engine(settings)
    try:
        results = ([seed_collection(engine, collection, policy, max_zoom=max_zoom)] if collection
                   else seed_large(engine, policy))
    finally:
        engine.dispose()
    for r in results:
        if r is None:
            console.print("another process is seeding; nothing done")
            continue
        note = " (stopped at GIS_TILE_SEED_MAX_MB)" if r.truncated else ""
        console.print(f"{r.collection_id} v{r.data_version}: {r.tiles} tiles, {r.bytes / 1e6:.1f} MB{note}")
