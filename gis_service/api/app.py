"""The application factory: everything is built from the settings passed in."""
from __future__ import annotations

import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware

from gis_service import __version__
from gis_service.crs import warm_transformers
from gis_service.api.errors import DatabaseUnavailableMiddleware, install_error_handlers
from gis_service.api.proxy import ForwardedHeadersMiddleware
from gis_service.api.ratelimit import RateLimitMiddleware
from gis_service.api.security import BodyLimitMiddleware, NulByteMiddleware, SecurityHeadersMiddleware
from gis_service.api.routers import collections, health, items, ogc
from gis_service.api.routers import qgis
from gis_service.api.routers import tiles
from gis_service.api.routers import maps
from gis_service.api.routers import edits, progress, stats, indicators, progress_pages, audit, keys
from gis_service.api.routers import analysis
from gis_service.api.routers import monitoring
from gis_service.api.routers import plan_analysis
from gis_service.api.routers import create, processes, schemas
from gis_service.api.routers import audit_export, styles
from gis_service.api.hoist import hoist
from gis_service.api.deps import shutdown_hop_executor
from gis_service.auth.middleware import AuthMiddleware
from gis_service.api.static_files import mount_static
from gis_service.maps.folium_offline import install_offline_assets
from gis_service.api.proxy_cache import SharedCacheMiddleware
from gis_service.api.read_your_writes import ReadYourWritesMiddleware
from gis_service.db.engine import make_engine
from gis_service.db.replica import ReadRouter
from gis_service.db.repoint import install_sighup
from gis_service.services import subscribers
from gis_service.services.ogc.tile_detail import TilePolicy
from gis_service.services.ogc.tiles import TileCache
from gis_service.settings import Settings

# The small anonymous reads that clients and tile layers issue by the thousand, and the single
# parcel check a clerk's page or a land-bureau system calls per parcel (api.hoist).
HOISTED_ROUTES = ("items", "tile", "parcel_check")


def _release(state) -> None:
    """At shutdown: the hop threads, then both engines' connections."""
    shutdown_hop_executor(state)
    state.engine.dispose()
    state.read_engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    subscribers.register_all(settings)  # before any request can write

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = make_engine(settings)
        # The replica's connections are pinged at every checkout: a replica that went away must send
        # readers to the primary at once, not after one failed request per pooled connection.
        app.state.read_engine = (make_engine(settings, url=settings.database_read_url, pool_pre_ping=True)
                                 if settings.database_read_url else app.state.engine)
        app.state.read_router = ReadRouter(app.state.engine, app.state.read_engine,
                                           max_lag_s=settings.replica_max_lag_s,
                                           probe_interval_s=settings.replica_probe_interval_s)
        install_sighup([app.state.engine])
        threading.Thread(target=warm_transformers, name="warm-transformers", daemon=True).start()
        try:
            yield
        finally:
            _release(app.state)

    app = FastAPI(
        title="城区规划一张图 / Chengqu planning GIS service",
        version=__version__,
        root_path=settings.root_path,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.tile_cache = TileCache(settings.tile_cache_mb * 1024 * 1024)
    app.state.tile_policy = TilePolicy.from_settings(settings)
    install_error_handlers(app)
    # Level 6 (zlib's default), not Starlette's 9: ~3x less CPU for ~2 % more bytes on GeoJSON.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    # Added before auth, so it runs inside it and knows the caller's key.
    app.add_middleware(RateLimitMiddleware, writes_per_minute=settings.writes_per_minute,
                       batches_per_hour=settings.batches_per_hour)
    app.add_middleware(AuthMiddleware, public_reads=settings.public_reads, root_path=settings.root_path)
    app.add_middleware(DatabaseUnavailableMiddleware)  # auth and rate limit query the database too
    app.add_middleware(ReadYourWritesMiddleware, secret=settings.cookie_secret)
    app.add_middleware(SharedCacheMiddleware, enabled=settings.public_reads, root_path=settings.root_path)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "HEAD", "OPTIONS"], allow_headers=["*"],
                           expose_headers=["ETag", "Link", "OGC-NumberMatched", "Content-Crs"])
    app.add_middleware(NulByteMiddleware)  # inside the headers middleware, so its 400 gets them too
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(ForwardedHeadersMiddleware, trusted=settings.forwarded_allow_ips)
    install_offline_assets(f"{settings.root_path}/static")
    mount_static(app)
    modules = (ogc, collections, items, health, qgis, tiles, plan_analysis, maps, edits, analysis, progress, stats,
               indicators, progress_pages, audit, keys, monitoring, create, schemas, processes, audit_export, styles)
    for module in modules:
        app.include_router(module.router)
    hoist(app, [items.router, tiles.router, analysis.router], HOISTED_ROUTES)
    return app
