"""The bench's own throwaway PostGIS: started, migrated and loaded here, destroyed at the end."""
from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from gis_service.db.embedded import EmbeddedCluster
from gis_service.settings import PROJECT_ROOT

from bench.machine import free_port


@dataclass
class BenchDatabase:
    url: str                       # SQLAlchemy URL (psycopg)
    port: int
    cluster: EmbeddedCluster | None = None  # None when an existing database was given

    @classmethod
    def at(cls, url: str) -> "BenchDatabase":
        """A database that already runs (``--db-url``), by its URL."""
        return cls(url=url, port=int(url.rsplit(":", 1)[1].split("/")[0]))

    @property
    def libpq_url(self) -> str:
        """The same database for asyncpg (tipg) and libpq tools."""
        return self.url.replace("postgresql+psycopg://", "postgresql://")

    def engine(self) -> Engine:
        # As the service's engine (db.engine.make_engine): no JIT, no parallel workers.
        return create_engine(self.url, pool_size=2, max_overflow=0, connect_args={
            "options": "-c jit=off -c max_parallel_workers_per_gather=0"})

    def destroy(self) -> None:
        if self.cluster is not None:
            self.cluster.destroy()
            shutil.rmtree(self.cluster.data_dir, ignore_errors=True)


def start_cluster() -> BenchDatabase:
    # mkdtemp in /tmp (sticky, world-traversable): init() hands the dir to the postgres user.
    data_dir = Path(tempfile.mkdtemp(prefix="gis-bench-pg-"))
    cluster = EmbeddedCluster(data_dir=data_dir, port=free_port())
    cluster.start()
    return BenchDatabase(url=cluster.url, port=cluster.port, cluster=cluster)


def prepare(db: BenchDatabase, n_parcels: int, seed: int) -> dict:
    """Migrate, load the plan layers and the synthetic cadastre; return timings."""
    from gis_service.db.migrate import upgrade
    from gis_service.loader.load import load_layers
    from gis_service.loader.parcels import load_synthetic_parcels

    timings = {}
    started = time.monotonic()
    upgrade(db.url)
    engine = db.engine()
    load_layers(engine, PROJECT_ROOT / "layers")
    timings["migrate_and_load_layers_s"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    count = load_synthetic_parcels(engine, n_parcels, seed, progress=True)
    timings["parcels_generate_and_load_s"] = round(time.monotonic() - started, 1)
    with engine.connect() as conn:  # visibility map and hint bits set once, not during the first runs
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE parcels"))
    # Seed the low zooms here, once: the servers run without the seeding thread, which would
    # otherwise rebuild and seed in the background while the first workloads are timed.
    from gis_service.services.ogc.tile_detail import TilePolicy
    from gis_service.services.ogc.tile_seeds import seed_collection
    from gis_service.settings import Settings

    started = time.monotonic()
    seed_collection(engine, "parcels", TilePolicy.from_settings(Settings()))
    timings["parcels_seed_s"] = round(time.monotonic() - started, 1)
    engine.dispose()
    timings["parcels"] = count
    return timings


def server_versions(db: BenchDatabase) -> dict:
    engine = db.engine()
    with engine.connect() as conn:
        info = {
            "postgresql": conn.execute(text("SHOW server_version")).scalar(),
            "postgis": conn.execute(text("SELECT postgis_lib_version()")).scalar(),
            "geos": conn.execute(text("SELECT postgis_geos_version()")).scalar(),
            "proj": conn.execute(text("SELECT postgis_proj_version()")).scalar(),
            "shared_buffers": conn.execute(text("SHOW shared_buffers")).scalar(),
            "max_connections": conn.execute(text("SHOW max_connections")).scalar(),
            "parcels": conn.execute(text("SELECT count(*) FROM parcels")).scalar(),
            "parcels_table_mb": round(conn.execute(text(
                "SELECT pg_total_relation_size('parcels')")).scalar() / 2**20, 1),
        }
    engine.dispose()
    return info
