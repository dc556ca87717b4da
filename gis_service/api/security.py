"""Security headers and the request-body cap, as plain ASGI middleware.

A route that builds its own Content-Security-Policy (map pages hash or nonce
Folium's inline scripts) keeps it; every other response gets a strict default
with no 'unsafe-inline' for scripts.
"""
from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gis_service.errors import BadParameter, PayloadTooLarge, send_error


def default_csp(frame_ancestors: str) -> str:
    return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
            f"base-uri 'self'; form-action 'self'; frame-ancestors {frame_ancestors}")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, frame_ancestors: str = "'self'") -> None:
        self.app = app
        self.csp = default_csp(frame_ancestors).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"strict-origin-when-cross-origin"))
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", self.csp))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """413 for bodies over the limit, whether Content-Length says so or the stream does."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await send_error(send, self._too_large())
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge as exc:
            # Raised mid-stream; unless the app answered (its GisError handler), answer here.
            if not started:
                await send_error(send, exc)

    def _too_large(self) -> _TooLarge:
        mb = self.max_bytes / 1024 / 1024
        return _TooLarge(f"请求体超过 {mb:.0f} MB 上限", f"request body exceeds {mb:.0f} MB",
                         detail={"max_bytes": self.max_bytes})


class NulByteMiddleware:
    """400 for a NUL byte anywhere in the path or query: PostgreSQL text cannot hold one, so it
    would otherwise surface as a database error deep inside whichever query received it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope["query_string"]
                                        or b"\x00" in scope["query_string"]):
            where = "path" if "\x00" in scope["path"] else "query"
            await send_error(send, BadParameter(where, "URL 中含有 NUL（%00）字符",
                                                "the URL contains a NUL (%00) character",
                                                detail={"location": where}))
            return
        await self.app(scope, receive, send)


class _TooLarge(PayloadTooLarge):
    """The body cap's own 413, so a 413 raised by a route is not mistaken for it."""
