"""Engine factory. Short connect timeouts and a ping of idle connections so a stopped database
gives a quick 503 and a restarted one is picked up without an app restart."""
from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

import psycopg
from psycopg.rows import dict_row, namedtuple_row
from sqlalchemy import Connection, Dialect, Engine, create_engine, event, exc, text

from gis_service.db.embedded import resolved_database_url
from gis_service.settings import Settings

T = TypeVar("T")


def make_engine(settings: Settings, url: str | None = None, **overrides) -> Engine:
    follow_file = url is None and not settings.database_url and settings.database_url_file
    url = url or resolved_database_url(settings)
    options = dict(
        pool_size=settings.pool_size,
        max_overflow=settings.pool_max_overflow,
        pool_timeout=settings.pool_timeout_s,
        pool_pre_ping=settings.pool_ping_idle_s <= 0,
        pool_recycle=1800,
        connect_args={
            "connect_timeout": settings.connect_timeout_s,
            # PostGIS functions carry high planner costs, which make PostgreSQL JIT-compile
            # ordinary queries (seconds of compile for milliseconds of work): JIT off. No parallel
            # workers either: each starts without PROJ's transformation cache and spends ~0.2-0.4 s
            # setting up a transform before its first row, more than a whole tile or page costs
            # serially (docs/PERFORMANCE.md); with more requests than cores they only compete.
            "options": f"-c statement_timeout={settings.statement_timeout_ms} -c jit=off "
                       "-c max_parallel_workers_per_gather=0",
            "application_name": "gis-service",
        },
    )
    options.update(overrides)
    engine = create_engine(url, **options)
    if not options["pool_pre_ping"]:  # an override may ask for the ping at every checkout
        _ping_when_idle(engine, settings.pool_ping_idle_s)
    if follow_file:
        from gis_service.db.repoint import UrlFile, attach

        attach(engine, UrlFile(settings.database_url_file))
    return engine


def _ping_when_idle(engine: Engine, idle_s: float) -> None:
    """A round trip per checkout was ~5 % of a small page's time (py-spy, bench/). A connection
    handed back moments ago is alive as far as a ping could tell; one that sat idle (a database
    restart or failover happens while the pool is quiet) is pinged, and a dead one is replaced
    before the request sees it. A connection that dies mid-use still invalidates the pool (503)."""
    @event.listens_for(engine, "checkin")
    def _returned(dbapi_conn, record) -> None:
        if record is not None:
            record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn, record, proxy) -> None:
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < idle_s:
            return  # just connected, or just used
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as error:  # noqa: BLE001 - any failure means: not usable, reconnect
            raise exc.DisconnectionError(str(error)) from error


def set_statement_timeout(conn, timeout_ms: int) -> None:
    """Per request class: this transaction only (SET LOCAL), so pooled connections
    go back with the default."""
    conn.execute(text(f"SET LOCAL statement_timeout = {int(timeout_ms)}"))


@lru_cache(maxsize=1024)
def _driver_sql(sql: str, dialect: Dialect) -> str:
    # The driver's own placeholders (%(name)s) and escaping, from SQLAlchemy's compiler, once per
    # distinct statement; the bound values never enter the text.
    return str(text(sql).compile(dialect=dialect))


def first_row(conn: Connection, sql: str, params: dict) -> tuple | None:
    """The first row of ``sql`` (``:name`` binds), with attribute access, or None; run on the
    driver's cursor. For the hot read paths (a page, a tile, the collection stamp): SQLAlchemy's
    execute and result wrapping took ~75-130 us per statement, more than the round trip of a
    small one (bench/). The statement still runs on the connection SQLAlchemy checked out, and a
    driver error is raised as SQLAlchemy's (a lost connection is invalidated, then a 503)."""
    def run(cur) -> tuple | None:
        cur.execute(_driver_sql(sql, conn.dialect), params)
        return cur.fetchone()
    return _on_driver(conn, sql, params, namedtuple_row, run)


def driver_rows(conn: Connection, sql: str, params: dict) -> list[dict]:
    """Every row of ``sql`` as a dict, on the driver's cursor (see ``first_row``), inside the
    connection's transaction: SQLAlchemy's is begun first if it is not, so its commit commits."""
    _begun(conn)

    def run(cur) -> list[dict]:
        cur.execute(_driver_sql(sql, conn.dialect), params)
        return cur.fetchall()
    return _on_driver(conn, sql, params, dict_row, run)


def driver_execute(conn: Connection, sql: str, rows: list[dict]) -> None:
    """``sql`` once per row of binds, on the driver's cursor, inside the connection's transaction
    (see ``driver_rows``)."""
    _begun(conn)

    def run(cur) -> None:
        cur.executemany(_driver_sql(sql, conn.dialect), rows)
    _on_driver(conn, sql, rows, dict_row, run)


def _begun(conn: Connection) -> None:
    # The driver opens its transaction by itself; SQLAlchemy's commit() only commits one it knows of.
    if not conn.in_transaction():
        conn.begin()


def _on_driver(conn: Connection, sql: str, params, row_factory, run: Callable[[psycopg.Cursor], T]) -> T:
    dbapi_conn = conn.connection.dbapi_connection
    try:
        with dbapi_conn.cursor(row_factory=row_factory) as cur:
            return run(cur)
    except psycopg.Error as error:
        lost = conn.dialect.is_disconnect(error, dbapi_conn, None)
        if lost:
            conn.invalidate(error)
        raise exc.DBAPIError.instance(sql, params, error, psycopg.Error, connection_invalidated=lost,
                                      dialect=conn.dialect) from error
