"""Composite tiles of the plan layers: one MVT with one layer per plan collection.

An MVT tile is a sequence of layers, so the composite is the per-collection tiles
concatenated (each cut, cached and generalised as on its own route). Its ETag carries
every included collection's data_version.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from sqlalchemy import Connection

from gis_service.errors import BadParameter
from gis_service.queries.registry import Collection, list_collections
from gis_service.services.ogc.tile_detail import TilePolicy
from gis_service.services.ogc.tiles import (
    DETAIL_PARAMETER, MVT, TMS_ID, TMS_URI, TileCache, check_tile, tile_bytes, tile_request,
)

COMPOSITE_PARAMETERS = ("collections", "detail")
COLLECTIONS_PARAMETER = {
    "name": "collections", "in": "query", "required": False, "style": "form", "explode": False,
    "schema": {"type": "array", "items": {"type": "string"}},
    "description": "只含这些规划图层（逗号分隔，默认全部）/ only these plan layers (comma-separated; default all)"}
OPENAPI_PARAMETERS = [COLLECTIONS_PARAMETER, DETAIL_PARAMETER]


def plan_layers(conn: Connection, wanted: str | None = None) -> list[Collection]:
    layers = [c for c in list_collections(conn) if c.kind == "plan"]
    if not wanted:
        return layers
    names = [n.strip() for n in wanted.split(",") if n.strip()]
    unknown = sorted(set(names) - {c.id for c in layers})
    if unknown:
        raise BadParameter("collections", f"不是规划图层：{', '.join(unknown)}",
                           f"not plan collections: {unknown}", detail={"plan_collections": [c.id for c in layers]})
    return [c for c in layers if c.id in names]


def composite_tileset(base: str, layers: list[Collection]) -> dict:
    return {
        "title": "规划图层合成矢量瓦片 / plan layers, one composite vector tile",
        "dataType": "vector", "crs": "http://www.opengis.net/def/crs/EPSG/0/3857", "tileMatrixSetURI": TMS_URI,
        "layers": [{"id": c.id, "title": c.title_zh, "dataType": "vector",
                    "geometryType": (c.geometry_type or "").lower()} for c in layers],
        "links": [
            {"rel": "item", "href": f"{base}/tiles/{TMS_ID}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}",
             "type": MVT, "templated": True},
            {"rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
             "href": f"{base}/tileMatrixSets/{TMS_ID}", "type": "application/json"}],
    }


def composite_tileset_for(conn: Connection, base: str, tms: str) -> dict:
    check_tile(tms, 0, 0, 0)
    return composite_tileset(base, plan_layers(conn))


def composite_tilesets(base: str) -> dict:
    return {"tilesets": [{"title": "规划图层合成矢量瓦片 / plan layers composite", "dataType": "vector",
                          "tileMatrixSetURI": TMS_URI, "links": [
                              {"rel": "self", "href": f"{base}/tiles/{TMS_ID}", "type": "application/json"}]}]}


def composite_tile(conn: Connection, cache: TileCache, policy: TilePolicy, tms: str, z: int, y: int, x: int,
                   params: Mapping[str, str]) -> tuple[str, Callable[[], bytes]]:
    """(ETag, body()): the body is cut only when the caller needs it (not on a 304)."""
    check_tile(tms, z, y, x)
    unknown = sorted(set(params) - set(COMPOSITE_PARAMETERS))
    if unknown:
        raise BadParameter(unknown[0], f"合成瓦片不支持该参数（可用：{', '.join(COMPOSITE_PARAMETERS)}）",
                           f"unknown parameter {unknown[0]!r}; composite tiles accept {list(COMPOSITE_PARAMETERS)}")
    detail = {"detail": params["detail"]} if params.get("detail") else {}
    requests = [tile_request(c, tms, z, y, x, detail) for c in plan_layers(conn, params.get("collections"))]
    digest = hashlib.sha256("|".join(f"{r.query.collection.id}:{r.query.collection.data_version}"
                                     for r in requests).encode()).hexdigest()[:16]
    etag = f'W/"plan-{z}-{y}-{x}-{requests[0].detail if requests else "auto"}-{digest}"'
    return etag, lambda: b"".join(tile_bytes(conn, cache, r, policy) for r in requests)
