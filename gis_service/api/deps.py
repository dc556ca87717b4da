"""Request-scoped dependencies, as Annotated aliases for thin routers.

Where transactions commit: in the service that performs the write, once, after everything it
writes (its own ``engine.begin()`` block, or one ``conn.commit()`` on the connection it was given),
so a failure anywhere in a write rolls all of it back; routers, renderers and queries never commit.
"""
from __future__ import annotations

import asyncio
from contextvars import copy_context
from functools import partial
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, TimeoutError as PoolTimeout
from starlette.concurrency import run_in_threadpool

from gis_service.auth.principal import Principal, require
from gis_service.settings import Settings


# A request that carries credentials may be an editor: it must see its own writes.
CREDENTIAL_HEADERS = ("authorization", "x-api-key", "cookie")


def _is_anonymous_read(request: Request) -> bool:
    return request.method in ("GET", "HEAD") and not any(h in request.headers for h in CREDENTIAL_HEADERS)


def _slot(request: Request, engine: Engine) -> asyncio.Semaphore:
    """Requests queue for a connection here, on the event loop, not in worker threads: with
    more clients than threads, threads blocked in the pool starved the connection holders of a
    thread to run their endpoint, and 64 clients got mostly 503s from an idle CPU. pool_size
    slots; the pool's overflow stays free for middlewares (key lookup, rate limit) and workers."""
    state = request.app.state
    if not hasattr(state, "db_slots"):
        state.db_slots = {}
    key = (id(engine), id(asyncio.get_running_loop()))  # a test may serve one app from two loops
    if key not in state.db_slots:
        state.db_slots[key] = asyncio.Semaphore(max(1, state.settings.pool_size))
    return state.db_slots[key]


def _close(conn: Connection) -> None:
    try:
        conn.close()
    except DBAPIError:
        # The database vanished mid-request: the pool has already discarded this
        # connection, and the request's own error (503) is what the client sees.
        pass


T = TypeVar("T")


async def _acquire(request: Request, engine: Engine) -> asyncio.Semaphore:
    slot = _slot(request, engine)
    try:
        await asyncio.wait_for(slot.acquire(), request.app.state.settings.pool_timeout_s)
    except asyncio.TimeoutError:
        raise PoolTimeout("no database connection free in time") from None  # 503 + Retry-After
    return slot


async def _open(request: Request, engine: Engine, connect=None) -> AsyncIterator[Connection]:
    slot = await _acquire(request, engine)
    try:
        conn = await run_in_threadpool(connect or engine.connect)
        try:
            yield conn
        finally:
            await run_in_threadpool(_close, conn)
    finally:
        slot.release()


def _use_replica(request: Request) -> bool:
    """Reads may go to the replica (db.replica decides: lag, the caller's own writes); the rest to the primary."""
    router = request.app.state.read_router
    return request.method in ("GET", "HEAD") and router.status_is_configured() and \
        router.use_replica(anonymous=_is_anonymous_read(request), min_lsn=getattr(request.state, "min_lsn", None))


def _hop_executor(request: Request) -> ThreadPoolExecutor:
    """The one-hop requests' own threads, as many as there are pool slots (a hop holds one).

    A plain executor future, not anyio's ``to_thread``, whose limiter, cancel scope and token work
    run on the event loop that bounds a small page: at 16 clients 1.56 -> 1.39 ms of server CPU per
    limit-10 page, +11 % pages/s (A/B in docs/PERFORMANCE.md, change 16)."""
    state = request.app.state
    if getattr(state, "hop_executor", None) is None:
        state.hop_executor = ThreadPoolExecutor(max(1, state.settings.pool_size), thread_name_prefix="db-hop")
    return state.hop_executor


def shutdown_hop_executor(state) -> None:
    executor = getattr(state, "hop_executor", None)
    if executor is not None:
        state.hop_executor = None
        executor.shutdown(wait=False)


async def _in_one_hop(request: Request, connect: Callable[[], Connection], work: Callable[[Connection], T]) -> T:
    """``work(connect())`` and the close in one worker thread, holding a pool slot throughout."""
    slot = await _acquire(request, request.app.state.engine)

    def run() -> T:
        conn = connect()
        try:
            return work(conn)
        finally:
            _close(conn)
    release_now = True
    try:
        # The request's context variables go along, as with to_thread.
        done = asyncio.get_running_loop().run_in_executor(_hop_executor(request), copy_context().run, run)
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            if not done.done():  # the thread still holds its connection: its slot is freed when it ends
                release_now = False
                done.add_done_callback(partial(_release_when_done, slot))
            raise
    finally:
        if release_now:
            slot.release()


def _release_when_done(slot: asyncio.Semaphore, done: asyncio.Future) -> None:
    slot.release()
    if not done.cancelled():
        done.exception()  # retrieved: nobody is waiting for it any more


async def write_in_one_hop(request: Request, work: Callable[[Connection], T]) -> T:
    """``work(conn)`` on the primary, with connect and close in the same worker thread (see
    ``read_in_one_hop``). ``work`` commits its own transaction; what it leaves open is rolled back."""
    return await _in_one_hop(request, request.app.state.engine.connect, work)


async def read_in_one_hop(request: Request, work: Callable[[Connection], T]) -> T:
    """``work(conn)`` for a read, with the replica decision, connect and close in the same worker
    thread: one hop instead of four (dependency, endpoint, connect, close; each a thread wake-up
    and an event-loop turn). On an autocommit connection: no BEGIN before the first statement and
    no ROLLBACK when it goes back to the pool; each statement still sees its own snapshot, as under
    READ COMMITTED. ``work`` must only read (and needs no ``SET LOCAL``)."""
    def connect() -> Connection:
        conn = request.app.state.read_router.connect(_use_replica(request), _is_anonymous_read(request))
        return conn.execution_options(isolation_level="AUTOCOMMIT")
    return await _in_one_hop(request, connect, work)


async def _connection(request: Request) -> AsyncIterator[Connection]:
    state = request.app.state
    # Without a replica there is nothing to decide: no hop to a worker thread for it.
    replica = state.read_router.status_is_configured() and await run_in_threadpool(_use_replica, request)
    async for conn in _open(request, state.read_engine if replica else state.engine,
                            partial(state.read_router.connect, replica, _is_anonymous_read(request))):
        yield conn


async def _primary_connection(request: Request) -> AsyncIterator[Connection]:
    # For reads whose ETag feeds a following write (If-Match): never a lagging replica.
    async for conn in _open(request, request.app.state.engine):
        yield conn


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


def base_url_of(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def base_url(request: Request) -> str:
    return base_url_of(request)


# The dependencies that touch no database are coroutines: FastAPI runs a plain function dependency
# in a worker thread, and each such hop cost a small request more than its SQL (bench/, py-spy).
Conn = Annotated[Connection, Depends(_connection)]
PrimaryConn = Annotated[Connection, Depends(_primary_connection)]
AppSettings = Annotated[Settings, Depends(_settings)]
BaseUrl = Annotated[str, Depends(base_url)]


async def _editor(request: Request) -> Principal:
    return require(request.state.principal, "editor")


async def _admin(request: Request) -> Principal:
    return require(request.state.principal, "admin")


async def _form_editor(request: Request) -> Principal:
    return require(request.state.principal, "editor", allow_session=True)


# The caller, refused with 401/403 unless its key has the role (browser sessions may not use the JSON API).
EditorDep = Annotated[Principal, Depends(_editor)]
AdminDep = Annotated[Principal, Depends(_admin)]
# The editors' HTML form: a browser session may write here (the form is CSRF-checked).
FormEditorDep = Annotated[Principal, Depends(_form_editor)]
