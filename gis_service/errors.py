"""Domain errors shared by the CLI, the loader and the API.

Each error carries a bilingual message, a snake_case ``code``, an HTTP
``status`` and a JSON-safe ``detail`` dict, so the API can map any
``GisError`` to a response with one handler and the CLI can print one line.
Add new subclasses here (or in your own module) by setting ``code``/``status``.

``send_error`` is the one way an ASGI middleware answers with such an error; the
route handlers' errors go through api/errors.py, with the same body.
"""
from __future__ import annotations

import json
from typing import Any


class GisError(Exception):
    code: str = "gis_error"
    status: int = 500

    def __init__(
        self,
        message_zh: str,
        message_en: str | None = None,
        *,
        detail: dict[str, Any] | None = None,
        code: str | None = None,
        status: int | None = None,
    ) -> None:
        self.message_zh = message_zh
        self.message_en = message_en if message_en is not None else message_zh
        self.detail = dict(detail or {})
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.message_zh == self.message_en:
            return self.message_en
        return f"{self.message_zh} / {self.message_en}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message_en,
            "message_zh": self.message_zh,
            "detail": self.detail,
        }


class UnknownCrs(GisError):
    code = "unknown_crs"
    status = 400


class UnsupportedCrs(GisError):
    code = "unsupported_crs"
    status = 400


class InvalidInput(GisError):
    code = "invalid_input"
    status = 422


class InvalidFile(GisError):
    code = "invalid_file"
    status = 422


class NotFound(GisError):
    code = "not_found"
    status = 404


class UnknownCollection(NotFound):
    code = "unknown_collection"


class InvalidGeometry(InvalidInput):
    code = "invalid_geometry"


class InvalidBody(InvalidInput):
    code = "invalid_body"
    status = 422


class BadParameter(InvalidInput):
    """400 naming the query or path parameter that was wrong, and why."""

    code = "invalid_parameter"
    status = 400

    def __init__(self, parameter: str, zh: str, en: str, *, detail: dict[str, Any] | None = None) -> None:
        super().__init__(f"参数 {parameter} 无效：{zh}", f"invalid parameter {parameter}: {en}",
                         detail={"parameter": parameter, **(detail or {})})


class PayloadTooLarge(GisError):
    """413: a body, file, or geometry over one of the service's limits."""

    code = "payload_too_large"
    status = 413


def error_body(error: GisError) -> dict[str, Any]:
    """The bilingual body of every error: OGC exceptions carry "code" and "description"."""
    return {**error.to_dict(), "description": error.message_en}


async def send_error(send: Any, error: GisError, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Answer an ASGI request with ``error`` (for middlewares, which run outside the app's handlers)."""
    body = json.dumps(error_body(error), ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": error.status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        *(headers or [])]})
    await send({"type": "http.response.body", "body": body})
