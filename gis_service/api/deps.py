"""Request-scoped dependencies, as Annotated aliases for thin routers."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from gis_service.settings import Settings


# A request that carries credentials may be an editor: it must see its own writes.
CREDENTIAL_HEADERS = ("authorization", "x-api-key", "cookie")


def _is_anonymous_read(request: Request) -> bool:
    return request.method in ("GET", "HEAD") and not any(h in request.headers for h in CREDENTIAL_HEADERS)


def _open(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    try:
        yield conn
    finally:
        try:
            conn.close()
        except DBAPIError:
            # The database vanished mid-request: the pool has already discarded this
            # connection, and the request's own error (503) is what the client sees.
            pass


def _connection(request: Request) -> Iterator[Connection]:
    """Anonymous reads may go to the read replica; everything else to the primary."""
    state = request.app.state
    yield from _open(state.read_engine if _is_anonymous_read(request) else state.engine)


def _primary_connection(request: Request) -> Iterator[Connection]:
    # For reads whose ETag feeds a following write (If-Match): never a lagging replica.
    yield from _open(request.app.state.engine)


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


Conn = Annotated[Connection, Depends(_connection)]
PrimaryConn = Annotated[Connection, Depends(_primary_connection)]
AppSettings = Annotated[Settings, Depends(_settings)]
BaseUrl = Annotated[str, Depends(base_url)]
