"""Identify the caller of every request and put it on ``request.state.principal``.

Pure ASGI, so streaming responses pass untouched. Credentials come only from
headers (``Authorization: Bearer``, ``X-API-Key``, ``Authorization: Basic``
with the key as password) or the browser-session cookie; a key in the query
string is refused because query strings end up in access logs. Nothing here
logs a credential. Refused writes are written to the audit log afterwards.
"""
from __future__ import annotations

import base64
import binascii
import logging
import re

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from gis_service.auth.keys import principal_for_key, principal_for_session
from gis_service.auth.principal import ANONYMOUS, Principal, Unauthorized
from gis_service.errors import GisError, send_error

SESSION_COOKIE = "gis_session"
QUERY_KEY_NAMES = {"api_key", "apikey", "api-key", "key", "token", "access_token", "x-api-key"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Paths that stay open when reads need a key: health, static assets, signing in.
OPEN_PREFIXES = ("/healthz", "/static/", "/progress/login", "/favicon.ico")
CHALLENGE = b'Bearer realm="gis-service", Basic realm="gis-service"'
_KEY_LIKE = re.compile(r"gk_[A-Za-z0-9_\-]{16,}")


class RedactKeys(logging.Filter):
    """Access logs print the request line; a key someone put in a URL is masked there."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_KEY_LIKE.sub("gk_***", a) if isinstance(a, str) else a for a in record.args)
        return True


def install_log_redaction() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactKeys) for f in logger.filters):
        logger.addFilter(RedactKeys())


def _credential(headers: Headers) -> tuple[str, str] | None | bool:
    """(via, key), None when absent, False when malformed."""
    if headers.get("x-api-key"):
        return "x-api-key", headers["x-api-key"].strip()
    auth = headers.get("authorization")
    if not auth:
        return None
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return "bearer", value.strip()
    if scheme.lower() == "basic":
        try:
            _, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return ("basic", password) if password else False
    return False


def _cookie(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


class KeyInQuery(GisError):
    code = "key_in_query"
    status = 400


class InvalidKey(Unauthorized):
    code = "invalid_key"


async def _refuse(send: Send, error: GisError) -> None:
    await send_error(send, error, headers=[(b"www-authenticate", CHALLENGE)] if error.status == 401 else None)


class AuthMiddleware:
    def __init__(self, app: ASGIApp, public_reads: bool = True, root_path: str = "") -> None:
        self.app = app
        self.public_reads = public_reads
        self.root_path = root_path
        install_log_redaction()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        query = QueryParams(scope.get("query_string", b""))
        state = scope.setdefault("state", {})
        state["principal"] = ANONYMOUS
        if any(name.lower() in QUERY_KEY_NAMES for name in query.keys()):
            await _refuse(send, KeyInQuery("密钥不能放在查询参数中（会被记录进日志）；请用请求头",
                                           "API keys are never accepted in the query string (they end up in "
                                           "logs); send Authorization: Bearer, X-API-Key or Basic"))
            return
        engine = scope["app"].state.engine
        credential = _credential(headers)
        principal: Principal | None = ANONYMOUS
        if credential is False:
            principal = None
        elif credential:
            via, key = credential
            principal = await run_in_threadpool(_lookup, engine, principal_for_key, key, via)
        elif (token := _cookie(headers, SESSION_COOKIE)) is not None:
            principal = await run_in_threadpool(_lookup, engine, principal_for_session, token) or ANONYMOUS
        if principal is None:
            await _refuse(send, InvalidKey("API 密钥无效或已吊销", "invalid or revoked API key"))
            return
        state["principal"] = principal
        path = scope.get("path", "")
        local = path[len(self.root_path):] if self.root_path and path.startswith(self.root_path) else path
        if not self.public_reads and not principal.authenticated and not local.startswith(OPEN_PREFIXES):
            await _refuse(send, Unauthorized("需要 viewer 及以上角色的 API 密钥",
                                             "an API key with role viewer or higher is required"))
            return
        await self._call_and_audit(scope, receive, send, principal, engine)

    async def _call_and_audit(self, scope, receive, send, principal, engine) -> None:
        status = 0

        async def send_with_status(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if status == 401 and not any(k == b"www-authenticate" for k, _ in message["headers"]):
                    message["headers"] = [*message["headers"], (b"www-authenticate", CHALLENGE)]
            await send(message)

        await self.app(scope, receive, send_with_status)
        if scope["method"] in WRITE_METHODS and status >= 400:
            await run_in_threadpool(_audit_refusal, engine, principal, scope["method"], scope["path"], status)


def _lookup(engine, lookup, *args) -> Principal | None:
    with engine.connect() as conn:
        return lookup(conn, *args)


def _audit_refusal(engine, principal: Principal, method: str, path: str, status: int) -> None:
    from gis_service.auth.audit import record

    try:
        with engine.begin() as conn:
            record(conn, principal, method=method, path=path, status=status, action="refused")
    except Exception:  # noqa: BLE001  (an audit failure must not turn an answer into a 500)
        pass
