"""Engine factory. Short connect timeouts and pre-ping so a stopped database
gives a quick 503 and a restarted one is picked up without an app restart."""
from __future__ import annotations

from sqlalchemy import Engine, create_engine, text

from gis_service.db.embedded import resolved_database_url
from gis_service.settings import Settings


def make_engine(settings: Settings, url: str | None = None, **overrides) -> Engine:
    follow_file = url is None and not settings.database_url and settings.database_url_file
    url = url or resolved_database_url(settings)
    options = dict(
        pool_size=settings.pool_size,
        max_overflow=settings.pool_max_overflow,
        pool_timeout=settings.pool_timeout_s,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={
            "connect_timeout": settings.connect_timeout_s,
            # PostGIS functions carry high planner costs, which make PostgreSQL JIT-compile
            # ordinary queries (seconds of compile for milliseconds of work): JIT off.
            "options": f"-c statement_timeout={settings.statement_timeout_ms} -c jit=off",
            "application_name": "gis-service",
        },
    )
    options.update(overrides)
    engine = create_engine(url, **options)
    if follow_file:
        from gis_service.db.repoint import UrlFile, attach

        attach(engine, UrlFile(settings.database_url_file))
    return engine


def set_statement_timeout(conn, timeout_ms: int) -> None:
    """Per request class: this transaction only (SET LOCAL), so pooled connections
    go back with the default."""
    conn.execute(text(f"SET LOCAL statement_timeout = {int(timeout_ms)}"))
