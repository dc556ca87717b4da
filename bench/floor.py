"""a1. The Python floor: our page SQL behind the least a Python HTTP server can be.

A raw ASGI app (no framework, no middleware; no links, ETag, auth or headers beyond the content
type) under uvicorn with the flags every Python server here gets, answering
``/collections/parcels/items?limit=N[&after=ID]`` from ``POOL_SIZE`` async psycopg connections
with the statement ``page_sql`` renders: the very SQL the pgbench ceiling runs and ours sends.
It runs in the items rounds beside ours (limit pages only), so each small page's cost splits
into PostgreSQL alone (the ceiling), uvicorn and the driver (this floor), and our request path
(the rest). It is a measuring stick, not a peer: no table names it a winner. Small pages only:
reading a 1,000-feature page through the async driver costs more than ours does through libpq in a
worker thread (75 against 120 req/s, 2026-12-07), so it is no floor there.

    python -m bench.floor DB_URL      # serve it by hand on a free port, for a look
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
from urllib.parse import parse_qs

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from gis_service.queries.features import page_sql
from gis_service.queries.registry import get_collection
from gis_service.services.ogc.params import build_items_query
from gis_service.settings import PROJECT_ROOT

from bench.database import BenchDatabase
from bench.servers import POOL_SIZE, UVICORN_FLAGS, Server

NAME = "floor"
PATH = "/collections/parcels/items"
LIMITS = (10, 100)
WORKLOADS = tuple(f"limit{n}" for n in LIMITS)  # bench.run's items workloads it serves


def statements(db: BenchDatabase) -> dict:
    """Per limit, the page SQL for a first page and for a keyset page, in psycopg's paramstyle,
    with the values of every parameter but the cursor."""
    engine = db.engine()
    with engine.connect() as conn:
        collection = get_collection(conn, "parcels")
    engine.dispose()
    out = {}
    for limit in LIMITS:
        for kind, params in (("first", {}), ("after", {"after": "0"})):
            q = build_items_query(collection, params, limit=limit, offset=0, max_limit=10_000)
            sql, binds = page_sql(q)
            compiled = text(sql).bindparams(**binds).compile(dialect=pg_psycopg.dialect())
            values = {k: v for k, v in compiled.params.items() if k != "after_id"}
            out[f"{limit}:{kind}"] = [str(compiled), values]
    return out


def server(db: BenchDatabase) -> Server:
    env = {**os.environ, "FLOOR_DB": db.libpq_url, "FLOOR_STATEMENTS": json.dumps(statements(db))}
    cmd = [str(PROJECT_ROOT / ".venv" / "bin" / "python"), "-m", "uvicorn", "bench.floor:app",
           "--host", "127.0.0.1", *UVICORN_FLAGS]
    return Server(NAME, cmd, env, "/healthz", PROJECT_ROOT)


class _Floor:
    def __init__(self) -> None:
        self.statements = json.loads(os.environ["FLOOR_STATEMENTS"])
        self.idle: asyncio.Queue | None = None

    async def start(self) -> None:
        import psycopg

        self.idle = asyncio.Queue()
        for _ in range(POOL_SIZE):
            self.idle.put_nowait(await psycopg.AsyncConnection.connect(os.environ["FLOOR_DB"], autocommit=True))

    async def page(self, query: bytes) -> bytes:
        args = parse_qs(query.decode())
        after = args.get("after", [None])[0]
        sql, values = self.statements[f"{args.get('limit', ['10'])[0]}:{'first' if after is None else 'after'}"]
        conn = await self.idle.get()
        try:
            cur = await conn.execute(sql, {**values, "after_id": after}, prepare=True)
            features, returned = (await cur.fetchone())[:2]
        finally:
            self.idle.put_nowait(conn)
        return b'{"type":"FeatureCollection","features":[' + features.encode() + \
            b'],"numberReturned":' + str(returned).encode() + b"}"


_floor: _Floor | None = None


async def app(scope, receive, send) -> None:
    global _floor
    if scope["type"] == "lifespan":
        await receive()  # lifespan.startup
        _floor = _Floor()
        await _floor.start()
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["path"] == PATH:
        status, body, media = 200, await _floor.page(scope["query_string"]), b"application/geo+json"
    else:
        status, body, media = (200, b"ok", b"text/plain") if scope["path"] == "/healthz" \
            else (404, b"not found", b"text/plain")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", media), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    floor = server(BenchDatabase.at(sys.argv[1]))
    floor.start()
    print(f"{floor.base}{PATH}?limit=10  (Ctrl-C stops it)")
    try:
        floor.proc.wait()
    finally:
        floor.stop()
