"""Per-key rate limits on writes and batch jobs, counted in PostgreSQL.

Counters are fixed windows in a table, so two app processes (or twenty) share
one budget per key. Reads are never limited here. Runs inside the auth
middleware, so it knows the key's name.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from gis_service.errors import GisError, send_error

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
BATCH_PREFIX = "/analysis/parcel-check/batch"
# POSTs that only ask a question (a parcel check stores its report, but changes no data).
QUERY_POSTS = ("/analysis/parcel-check",)

COUNT_SQL = text("""
    WITH expired AS (DELETE FROM rate_limit_counters WHERE bucket = :bucket AND window_start < :window)
    INSERT INTO rate_limit_counters (bucket, window_start, hits) VALUES (:bucket, :window, 1)
    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_counters.hits + 1
    RETURNING hits""")


class RateLimited(GisError):
    code = "rate_limited"
    status = 429


def _window(now: dt.datetime, seconds: int) -> dt.datetime:
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.timezone.utc)


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, writes_per_minute: int, batches_per_hour: int) -> None:
        self.app = app
        self.limits = {"write": (writes_per_minute, 60), "batch": (batches_per_hour, 3600)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] not in WRITE_METHODS
                or scope["path"].rstrip("/").endswith(QUERY_POSTS)):
            await self.app(scope, receive, send)
            return
        # endswith: the same with or without a proxy's path prefix
        kind = "batch" if scope["path"].rstrip("/").endswith(BATCH_PREFIX) else "write"
        limit, seconds = self.limits[kind]
        if limit <= 0:
            await self.app(scope, receive, send)
            return
        principal = scope.get("state", {}).get("principal")
        who = principal.name if principal is not None and principal.authenticated else (
            f"ip:{scope['client'][0]}" if scope.get("client") else "ip:unknown")
        now = dt.datetime.now(dt.timezone.utc)
        window = _window(now, seconds)
        engine = scope["app"].state.engine
        hits = await run_in_threadpool(self._count, engine, f"{kind}:{who}", window)
        if hits > limit:
            retry = int((window + dt.timedelta(seconds=seconds) - now).total_seconds()) + 1
            await send_error(send, _refusal(kind, limit, seconds, retry),
                             headers=[(b"retry-after", str(retry).encode())])
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _count(engine, bucket: str, window: dt.datetime) -> int:
        with engine.begin() as conn:
            return conn.execute(COUNT_SQL, {"bucket": bucket, "window": window}).scalar_one()


def _refusal(kind: str, limit: int, seconds: int, retry: int) -> RateLimited:
    per_zh, per_en = ("分钟", "minute") if seconds == 60 else ("小时", "hour")
    label_zh = "批量任务" if kind == "batch" else "写操作"
    return RateLimited(f"{label_zh}过于频繁：每{per_zh}最多 {limit} 次，请 {retry} 秒后重试",
                       f"too many {kind} requests: limit {limit} per {per_en}; retry in {retry} s",
                       detail={"limit": limit, "window_s": seconds, "retry_after_s": retry, "class": kind})
