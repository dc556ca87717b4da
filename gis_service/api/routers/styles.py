"""Styles (OGC API – Styles-like): listings, the plan's style.json / SLD 1.1, per-collection styles."""
from __future__ import annotations

import json

from fastapi import APIRouter, Response

from gis_service.api.deps import BaseUrl, Conn
from gis_service.api.ogc_deps import CollectionDep
from gis_service.services.ogc.styles import (
    collection_style_body, collection_styles_document, plan_style, styles_document,
)

router = APIRouter(tags=["Styles"])


def _respond(media_type: str, body) -> Response:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return Response(text, media_type=media_type)


@router.get("/styles", summary="样式列表 / styles")
def styles(base: BaseUrl):
    return styles_document(base)


@router.get("/styles/glyphs/{fontstack}/{glyph_range}.pbf", summary="空字形集 / empty glyph ranges",
            response_class=Response)
def glyphs(fontstack: str, glyph_range: str):
    # Labels are Chinese and drawn with the client's local ideograph font: no glyph server,
    # so every other range is an empty (valid) glyph set.
    return Response(b"", media_type="application/x-protobuf", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/styles/{styleId}", summary="样式 / style (f=mapbox|sld11)", response_class=Response)
def style(styleId: str, conn: Conn, base: BaseUrl, f: str | None = None):
    return _respond(*plan_style(conn, base, styleId, f))


@router.get("/collections/{collectionId}/styles", summary="图层样式列表 / collection styles")
def collection_styles(c: CollectionDep, base: BaseUrl):
    return collection_styles_document(base, c)


@router.get("/collections/{collectionId}/styles/{styleId}", summary="图层样式 / collection style (f=mapbox|sld11|qml)",
            response_class=Response)
def collection_style(collectionId: str, styleId: str, conn: Conn, base: BaseUrl, f: str | None = None):
    return _respond(*collection_style_body(conn, base, collectionId, styleId, f))
