"""Read-your-writes across a streaming replica: a signed cookie carries the caller's last commit position.

After a successful write the primary's WAL position (at or past the write's commit) goes into the
``gis_lsn`` cookie, signed with ``GIS_COOKIE_SECRET`` so every app process accepts the others'.
Reads carrying a valid cookie go to the replica only once it has replayed that position
(db.replica.ReadRouter); a missing or forged cookie simply means the primary.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.exc import DBAPIError, TimeoutError as PoolTimeout

from gis_service.db.replica import current_lsn

COOKIE = "gis_lsn"
READ_METHODS = ("GET", "HEAD", "OPTIONS")


class LsnSigner:
    def __init__(self, secret: str | None) -> None:
        # Without a shared secret each process signs alone: another process's cookie then fails
        # the check, and that caller's reads go to the primary (correct, only less spread).
        self.key = (secret or secrets.token_hex(32)).encode()

    def _mac(self, value: str) -> str:
        return hmac.new(self.key, value.encode(), hashlib.sha256).hexdigest()[:32]

    def sign(self, lsn: int) -> str:
        value = format(lsn, "x")
        return f"{value}.{self._mac(value)}"

    def verify(self, token: str | None) -> int | None:
        value, _, mac = (token or "").partition(".")
        if not value or not hmac.compare_digest(mac, self._mac(value)):
            return None
        try:
            return int(value, 16)
        except ValueError:
            return None


class ReadYourWritesMiddleware:
    def __init__(self, app: ASGIApp, secret: str | None, max_age_s: int = 600) -> None:
        self.app, self.signer, self.max_age_s = app, LsnSigner(secret), max_age_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = cookie_parser(dict(scope["headers"]).get(b"cookie", b"").decode("latin-1"))
        scope.setdefault("state", {})["min_lsn"] = self.signer.verify(cookies.get(COOKIE))
        if scope["method"] in READ_METHODS:
            await self.app(scope, receive, send)
            return

        async def send_with_lsn(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                await self._add_cookie(scope, message)
            await send(message)

        await self.app(scope, receive, send_with_lsn)

    async def _add_cookie(self, scope: Scope, message: Message) -> None:
        state = scope["app"].state
        if not state.read_router.status_is_configured():
            return
        try:
            lsn = await run_in_threadpool(current_lsn, state.engine)
        except (DBAPIError, PoolTimeout):
            return  # no cookie: this caller's reads go to the primary, which is always right
        if lsn is not None:
            MutableHeaders(scope=message).append(
                "set-cookie", f"{COOKIE}={self.signer.sign(lsn)}; Max-Age={self.max_age_s}; Path=/; "
                              "HttpOnly; SameSite=Lax")
