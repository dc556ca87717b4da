"""Pick the response format (``f`` wins, then Accept; ``*/*`` means JSON), and answer
conditional GETs (If-None-Match)."""
from __future__ import annotations

import json

from fastapi import Request

from gis_service.errors import BadParameter, InvalidInput


def wants(request: Request, allowed: tuple[str, ...], default: str = "json") -> str:
    token = request.query_params.get("f")
    if token is not None:
        token = token.lower()
        if token == "geojson":
            token = "json"
        if token not in allowed:
            raise BadParameter("f", f"支持的格式：{', '.join(allowed)}", f"unsupported format {token!r}; "
                      f"use one of {', '.join(allowed)}")
        return token
    if "html" in allowed and _accept_prefers_html(request.headers.get("accept", "")):
        return "html"
    return default


def _accept_prefers_html(accept: str) -> bool:
    html_at = accept.find("text/html")
    json_at = min((i for i in (accept.find("application/json"), accept.find("application/geo+json"))
                   if i >= 0), default=-1)
    return html_at >= 0 and (json_at < 0 or html_at < json_at)


def is_browser(request: Request) -> bool:
    """A browser navigating (Accept prefers HTML, no ``f`` other than html): errors answer in HTML."""
    token = request.query_params.get("f")
    if token is not None:
        return token.lower() == "html"
    return _accept_prefers_html(request.headers.get("accept", ""))


def not_modified(request: Request, etag: str) -> bool:
    """True when the client's If-None-Match names ``etag`` (or is ``*``): answer 304."""
    header = request.headers.get("if-none-match", "")
    return etag in [t.strip() for t in header.split(",")] or header.strip() == "*"


async def json_body(request: Request):
    """The request body as JSON, or a bilingual 422 naming the body."""
    try:
        return json.loads(await request.body() or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        raise InvalidInput("请求体不是有效的 JSON", "the body is not valid JSON",
                           detail={"fields": {"body": {"message": "invalid JSON", "message_zh": "JSON 无效"}}}) from None
