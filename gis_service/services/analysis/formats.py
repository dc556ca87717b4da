"""Answers of the analyses as files: CSV / XLSX through the Excel-safe table writer, GeoJSON."""
from __future__ import annotations

import json
from dataclasses import dataclass

from gis_service.errors import InvalidInput
from gis_service.services.progress.tables import MEDIA_TYPES, table_bytes

GEOJSON = "application/geo+json"


@dataclass
class FileAnswer:
    content: bytes
    media_type: str
    filename: str


def refuse_unknown(params, allowed: set[str]) -> None:
    """A query parameter the analysis cannot honour is refused, never ignored."""
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise InvalidInput(f"不支持的参数 {unknown[0]}（可用：{', '.join(sorted(allowed))}）",
                           f"unsupported parameter {unknown[0]} (use: {', '.join(sorted(allowed))})",
                           detail={"parameter": unknown[0]}, code="invalid_parameter", status=400)


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise InvalidInput(f"参数 f 无效：{fmt!r}，可选 {', '.join(allowed)}",
                           f"invalid parameter f: {fmt!r}; use one of {', '.join(allowed)}",
                           detail={"parameter": "f", "allowed": list(allowed)}, code="invalid_parameter", status=400)
    return fmt


def table_answer(rows: list[dict], fmt: str, stem: str) -> FileAnswer:
    return FileAnswer(table_bytes(rows, fmt, stem[:31]), MEDIA_TYPES[fmt], f"{stem}.{fmt}")


def geojson_answer(document: dict, stem: str) -> FileAnswer:
    return FileAnswer(json.dumps(document, ensure_ascii=False, default=str).encode("utf-8"), GEOJSON,
                      f"{stem}.geojson")
