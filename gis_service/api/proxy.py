"""Honour X-Forwarded-Proto/Host/Prefix from trusted proxies so every link the
service emits points at the public URL, not the internal one."""
from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class ForwardedHeadersMiddleware:
    def __init__(self, app: ASGIApp, trusted: str = "127.0.0.1") -> None:
        self.app = app
        self.trust_all = trusted.strip() == "*"
        self.trusted = {h.strip() for h in trusted.split(",") if h.strip()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self._is_trusted(scope):
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            scope = dict(scope)
            proto = headers.get("x-forwarded-proto")
            if proto:
                scope["scheme"] = proto.split(",")[0].strip()
            host = headers.get("x-forwarded-host")
            if host:
                host = host.split(",")[0].strip()
                scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"host"]
                scope["headers"].append((b"host", host.encode("latin-1")))
            prefix = headers.get("x-forwarded-prefix")
            if prefix:
                scope["root_path"] = prefix.rstrip("/") + scope.get("root_path", "")
        await self.app(scope, receive, send)

    def _is_trusted(self, scope: Scope) -> bool:
        client = scope.get("client")
        return self.trust_all or (client is not None and client[0] in self.trusted)
