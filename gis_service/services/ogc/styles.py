"""Styles any vector-tile or desktop client can use (OGC API – Styles-like): the plan style as a
MapLibre/Mapbox GL ``style.json`` over our vector tiles, SLD 1.1 and QML, all derived from each
collection's one style definition (``maps.styles.collection_style``)."""
from __future__ import annotations

from sqlalchemy import Connection

from gis_service.errors import BadParameter, NotFound
from gis_service.maps.gl_style import GlLayer, build_gl_style
from gis_service.maps.styles import collection_style
from gis_service.queries.registry import Collection, get_collection, list_collections
from gis_service.services.exports.qml import build_qml
from gis_service.services.exports.sld import SLD_MEDIA_TYPE, build_sld
from gis_service.services.ogc.tiles import tiles_template
from gis_service.vocab import OLD_TOWN_CENTRE

PLAN_STYLE = "plan"
DEFAULT_STYLE = "default"
GL_MEDIA_TYPE = "application/vnd.mapbox.style+json"
QML_MEDIA_TYPE = "application/vnd.qgis.qml+xml"
# f token -> (media type, title)
STYLE_FORMATS = {
    "mapbox": (GL_MEDIA_TYPE, "MapLibre / Mapbox GL style"),
    "sld11": (SLD_MEDIA_TYPE, "OGC SLD 1.1"),
    "qml": (QML_MEDIA_TYPE, "QGIS QML"),
}
PLAN_FORMATS = ("mapbox", "sld11")  # QML describes one layer, so only per collection
GLYPHS_PATH = "/styles/glyphs/{fontstack}/{range}.pbf"


def _format(f: str | None, allowed: tuple[str, ...]) -> str:
    token = (f or "mapbox").lower()
    if token not in allowed:
        raise BadParameter("f", f"支持的样式格式：{', '.join(allowed)}",
                           f"unsupported style format {token!r}; use one of {', '.join(allowed)}")
    return token


def _links(href: str, formats: tuple[str, ...]) -> list[dict]:
    return [{"rel": "stylesheet", "href": f"{href}?f={f}", "type": STYLE_FORMATS[f][0],
             "title": STYLE_FORMATS[f][1]} for f in formats]


def styles_document(base: str) -> dict:
    href = f"{base}/styles/{PLAN_STYLE}"
    return {"styles": [{"id": PLAN_STYLE, "title": "城区规划一张图 / plan layers",
                        "links": _links(href, PLAN_FORMATS)}],
            "links": [{"rel": "self", "href": f"{base}/styles", "type": "application/json"}]}


def collection_styles_document(base: str, c: Collection) -> dict:
    href = f"{base}/collections/{c.id}/styles/{DEFAULT_STYLE}"
    return {"styles": [{"id": DEFAULT_STYLE, "title": f"{c.title_zh} 默认样式 / default style",
                        "links": _links(href, tuple(STYLE_FORMATS))}],
            "links": [{"rel": "self", "href": f"{base}/collections/{c.id}/styles", "type": "application/json"},
                      {"rel": "collection", "href": f"{base}/collections/{c.id}", "type": "application/json"}]}


def _plan_collections(conn: Connection) -> list[Collection]:
    return [c for c in list_collections(conn) if c.kind == "plan" and c.geometry_type]


def _gl(base: str, name: str, collections: list[Collection]) -> dict:
    layers = [GlLayer(c.id, c.title_zh, c.geometry_type, collection_style(c.id, c.style), tiles_template(base, c))
              for c in collections]
    return build_gl_style(name, layers, f"{base}{GLYPHS_PATH}", OLD_TOWN_CENTRE)


def _sld(collections: list[Collection]) -> str:
    return build_sld([(c.id, c.title_zh, c.geometry_type, collection_style(c.id, c.style)) for c in collections])


def plan_style(conn: Connection, base: str, style_id: str, f: str | None) -> tuple[str, object]:
    """(media type, body) of the plan style in format ``f``."""
    if style_id != PLAN_STYLE:
        raise NotFound(f"没有样式 {style_id}", f"no style {style_id!r}; see /styles", detail={"style": style_id})
    token = _format(f, PLAN_FORMATS)
    collections = _plan_collections(conn)
    if token == "mapbox":
        return GL_MEDIA_TYPE, _gl(base, "城区规划一张图", collections)
    return SLD_MEDIA_TYPE, _sld(collections)


def collection_style_body(conn: Connection, base: str, collection_id: str, style_id: str,
                          f: str | None) -> tuple[str, object]:
    """(media type, body) of one collection's default style in format ``f``."""
    c = get_collection(conn, collection_id)
    if style_id != DEFAULT_STYLE:
        raise NotFound(f"没有样式 {style_id}", f"no style {style_id!r}; see /collections/{c.id}/styles",
                       detail={"style": style_id})
    token = _format(f, tuple(STYLE_FORMATS))
    if token == "mapbox":
        return GL_MEDIA_TYPE, _gl(base, c.title_zh, [c])
    if token == "sld11":
        return SLD_MEDIA_TYPE, _sld([c])
    return QML_MEDIA_TYPE, build_qml(collection_style(c.id, c.style), c.geometry_type)
