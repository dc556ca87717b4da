"""Service settings, read from the environment (prefix ``GIS_``).

Nothing here is instantiated at import time: ``Settings()`` is built by the
CLI or by the caller of ``create_app`` so tests can point at their own DB.
"""
from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GIS_", extra="ignore")

    # Unset → the embedded cluster managed by `gis-service db up`.
    database_url: str | None = None
    database_read_url: str | None = None
    # A file holding the write URL, re-read when it changes (failover without a restart).
    database_url_file: Path | None = None
    replica_max_lag_s: float = 5.0  # anonymous reads go to the primary while the replica lags more
    replica_probe_interval_s: float = 1.0
    cookie_secret: str | None = None  # signs the read-your-writes cookie; shared by all app processes
    data_dir: Path | None = Field(
        default=None,
        description="Embedded cluster location; default .data/postgres or /var/lib/gis-service",
    )
    embedded_port: int = 54915
    layers_dir: Path = PROJECT_ROOT / "layers"

    host: str = "127.0.0.1"
    port: int = 8000
    root_path: str = ""
    forwarded_allow_ips: str = "127.0.0.1"

    pool_size: int = 8
    pool_max_overflow: int = 4
    pool_timeout_s: float = 3.0
    connect_timeout_s: int = 3
    # A pooled connection idle longer than this is pinged before use; 0 pings at every checkout.
    pool_ping_idle_s: float = 1.0
    statement_timeout_ms: int = 15000  # interactive reads (items, tiles, pages)
    export_statement_timeout_ms: int = 300000  # whole-layer downloads and streams
    health_statement_timeout_ms: int = 2000

    cors_origins: list[str] = Field(default_factory=list)

    # Map pages. "none" makes no request to any other host; "tianditu" needs a key;
    # "osm"; or a custom XYZ URL template for an intranet tile server.
    basemap: str = "none"
    tianditu_key: str | None = None
    basemap_attribution: str = ""
    basemap_url: str | None = None  # custom XYZ template, e.g. an intranet WMTS in XYZ form
    # CSP frame-ancestors of map pages: who may embed them in an iframe.
    maps_frame_ancestors: str = "'self'"
    default_limit: int = 1000
    max_limit: int = 10000
    max_export_features: int = 1_000_000

    # Parcel check: request limits, batch limits, job worker.
    parcel_check_max_parcels: int = 100
    parcel_check_max_vertices: int = 100_000
    parcel_check_max_body_bytes: int = 10 * 1024**2
    parcel_batch_max_bytes: int = 50 * 1024**2
    parcel_batch_max_features: int = 100_000
    parcel_batch_chunk: int = 1000
    parcel_batch_lanes: int = 2  # connections one batch job checks with at once
    parcel_job_lease_s: float = 30.0  # a running job without a heartbeat this long is taken over
    parcel_job_max_attempts: int = 3
    parcel_job_worker: bool = True  # run a batch worker thread in each app process
    chromium_path: str = "/usr/bin/chromium"  # for f=pdf reports

    # Progress edits and access control.
    require_if_match: bool = True     # false admits unconditional writes, marked in history
    public_reads: bool = True         # false: every read needs a viewer key
    upload_dir: Path = PROJECT_ROOT / ".data" / "uploads"  # photos; never served as static files
    max_photo_bytes: int = 5_000_000
    session_max_age_s: int = 8 * 3600
    max_body_bytes: int = 100 * 1024 * 1024  # whole-request cap; endpoints may set lower ones
    writes_per_minute: int = 600  # per key, shared by all processes; 0 disables
    batches_per_hour: int = 30
    tile_cache_mb: int = 64  # 0 disables the in-process tile cache
    # Large collections (at least this many features) get generalised tiles (detail=auto):
    # per-zoom simplification, sub-pixel features dropped, counts below the aggregate zoom.
    tile_generalise_min_features: int = 20000
    # Zooms under this serve counts per 街道 and land use: at z10-11 a 200k-parcel cadastre is
    # almost all under a pixel (less area than one), so the band tiles would be near-empty.
    tile_aggregate_below_zoom: int = 12
    tile_seeds: bool = True  # false (GIS_TILE_SEEDS=off): never serve seeded tiles (cold benchmarks)
    tile_seed_max_zoom: int = 14  # seed 城区 from zoom 0 to this
    tile_seed_max_mb: int = 256  # disk bound of one collection's seeds
    tile_seed_worker: bool = True  # rebuild stale bands and re-seed after loads and edits, in the background
    tile_seed_poll_s: float = 60.0  # the worker also looks for stale collections this often
