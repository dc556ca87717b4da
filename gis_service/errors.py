"""Domain errors shared by the CLI, the loader and the API.

Each error carries a bilingual message, a snake_case ``code``, an HTTP
``status`` and a JSON-safe ``detail`` dict, so the API can map any
``GisError`` to a response with one handler and the CLI can print one line.
Add new subclasses here (or in your own module) by setting ``code``/``status``.
"""
from __future__ import annotations

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
