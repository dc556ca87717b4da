"""Marks the responses a shared cache in front (nginx) may keep: public tiles and f=json items.

They get ``Cache-Control: public, max-age=0`` and keep their ETag, so every use is revalidated
(If-None-Match → a cheap 304) and a write is visible at once. ``X-Accel-Expires: @1`` tells
nginx to store them already stale (nginx would not store max-age=0 at all); nginx hides that
header from clients. Nothing is marked for a request carrying credentials, for an HTML page, or
when reads are not public.
"""
from __future__ import annotations

import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A collection's tiles and items, and the plan layers' composite tiles.
CACHEABLE_PATH = re.compile(r"^/(collections/[^/]+/(tiles/[^/]+/\d+/\d+/\d+|items/[^/]+)|tiles/[^/]+/\d+/\d+/\d+)$")
CACHEABLE_TYPES = ("application/vnd.mapbox-vector-tile", "application/geo+json")
CREDENTIALS = (b"authorization", b"x-api-key", b"cookie")


class SharedCacheMiddleware:
    def __init__(self, app: ASGIApp, enabled: bool, root_path: str = "") -> None:
        self.app, self.enabled, self.root_path = app, enabled, root_path

    def _eligible(self, scope: Scope) -> bool:
        if not self.enabled or scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return False
        if any(name in CREDENTIALS for name, _ in scope["headers"]):
            return False
        path = scope.get("path", "")
        if self.root_path and path.startswith(self.root_path):
            path = path[len(self.root_path):]
        return bool(CACHEABLE_PATH.match(path))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._eligible(scope):
            await self.app(scope, receive, send)
            return

        async def marking_send(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                headers = MutableHeaders(scope=message)
                content_type = headers.get("content-type", "")
                if "etag" in headers and (message["status"] == 304 or content_type.startswith(CACHEABLE_TYPES)):
                    headers["cache-control"] = "public, max-age=0"
                    headers["x-accel-expires"] = "@1"
            await send(message)

        await self.app(scope, receive, marking_send)
