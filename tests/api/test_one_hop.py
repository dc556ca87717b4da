"""api.deps' one-hop requests run on their own executor: a slot is held until the thread that
holds its connection is done, even when the request is cancelled, and the request's context
variables go along into the thread."""
import asyncio
import contextvars
import threading
from types import SimpleNamespace

import pytest

from gis_service.api import deps

REQUEST_ID = contextvars.ContextVar("request_id", default=None)


class _Conn:
    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def _request(pool_size: int = 1):
    state = SimpleNamespace(settings=SimpleNamespace(pool_size=pool_size, pool_timeout_s=5), engine=object())
    return SimpleNamespace(app=SimpleNamespace(state=state))


def _slot(request) -> asyncio.Semaphore:
    return deps._slot(request, request.app.state.engine)


def test_work_runs_on_the_hop_threads_with_the_requests_context():
    request = _request(pool_size=2)
    conn = _Conn()

    async def main():
        REQUEST_ID.set("r-1")
        return await deps._in_one_hop(request, lambda: conn, lambda c: (threading.current_thread().name,
                                                                        REQUEST_ID.get(), c is conn))
    try:
        name, seen, same = asyncio.run(main())
    finally:
        deps.shutdown_hop_executor(request.app.state)
    assert name.startswith("db-hop") and seen == "r-1" and same and conn.closed


def test_a_cancelled_request_keeps_its_slot_until_its_thread_is_done():
    request = _request(pool_size=1)
    started, release = threading.Event(), threading.Event()
    conn = _Conn()

    def work(_conn):
        started.set()
        release.wait(5)
        return "late"

    async def main():
        task = asyncio.create_task(deps._in_one_hop(request, lambda: conn, work))
        while not started.is_set():
            await asyncio.sleep(0.005)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        slot = _slot(request)
        held_after_cancel = slot.locked()  # the thread still holds the only connection
        release.set()
        for _ in range(200):
            if not slot.locked():
                break
            await asyncio.sleep(0.005)
        return held_after_cancel, slot.locked()
    try:
        held_after_cancel, held_at_end = asyncio.run(main())
    finally:
        deps.shutdown_hop_executor(request.app.state)
    assert held_after_cancel and not held_at_end and conn.closed


def test_a_failing_work_frees_its_slot_and_closes_its_connection():
    request = _request(pool_size=1)
    conn = _Conn()

    def work(_conn):
        raise ValueError("boom")

    async def main():
        with pytest.raises(ValueError, match="boom"):
            await deps._in_one_hop(request, lambda: conn, work)
        return _slot(request).locked()
    try:
        locked = asyncio.run(main())
    finally:
        deps.shutdown_hop_executor(request.app.state)
    assert not locked and conn.closed
