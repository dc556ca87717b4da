"""OGC API – Tiles: vector tiles (MVT) per collection, TileJSON and tileset metadata."""
from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import text

from gis_service.api.deps import BaseUrl, Conn
from gis_service.queries.registry import get_collection
from gis_service.queries.tiles import SERIAL_SQL, tile_sql
from gis_service.services.ogc.items import collection_extent
from gis_service.services.ogc.tiles import (
    MVT, TMS_ID, check_tile, tile_matrix_set, tilejson, tileset_document, tilesets_document,
)

router = APIRouter(tags=["OGC API – Tiles"])


@router.get("/tileMatrixSets", summary="瓦片矩阵集 / tile matrix sets")
def tile_matrix_sets(base: BaseUrl):
    return {"tileMatrixSets": [{"id": TMS_ID, "links": [
        {"rel": "self", "href": f"{base}/tileMatrixSets/{TMS_ID}", "type": "application/json"}]}]}


@router.get("/tileMatrixSets/{tileMatrixSetId}", summary="瓦片矩阵集定义 / tile matrix set")
def tile_matrix_set_definition(tileMatrixSetId: str):
    check_tile(tileMatrixSetId, 0, 0, 0)
    return tile_matrix_set()


@router.get("/collections/{collectionId}/tiles", summary="图层瓦片集 / collection tilesets")
def collection_tilesets(collectionId: str, conn: Conn, base: BaseUrl):
    return tilesets_document(base, get_collection(conn, collectionId))


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}", summary="瓦片集元数据 / tileset")
def collection_tileset(collectionId: str, tileMatrixSetId: str, conn: Conn, base: BaseUrl):
    check_tile(tileMatrixSetId, 0, 0, 0)
    return tileset_document(base, get_collection(conn, collectionId))


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}/tilejson.json", summary="TileJSON")
def collection_tilejson(collectionId: str, tileMatrixSetId: str, conn: Conn, base: BaseUrl):
    check_tile(tileMatrixSetId, 0, 0, 0)
    c = get_collection(conn, collectionId)
    return tilejson(base, c, collection_extent(conn, c))


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
            summary="矢量瓦片 / vector tile (z/y/x)", response_class=Response,
            responses={200: {"content": {MVT: {}}}})
def tile(collectionId: str, tileMatrixSetId: str, tileMatrix: int, tileRow: int, tileCol: int,
         request: Request, conn: Conn):
    check_tile(tileMatrixSetId, tileMatrix, tileRow, tileCol)
    c = get_collection(conn, collectionId)
    etag = f'W/"{c.id}-{c.data_version}-{tileMatrix}-{tileRow}-{tileCol}"'
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    cache = request.app.state.tile_cache
    key = (c.id, c.data_version, tileMatrix, tileRow, tileCol)
    body = cache.get(key)
    if body is None:
        conn.execute(text(SERIAL_SQL))
        body = bytes(conn.execute(text(tile_sql(c)), {"z": tileMatrix, "x": tileCol, "y": tileRow,
                                                      "layer": c.id}).scalar() or b"")
        cache.put(key, body)
    return Response(body, media_type=MVT, headers=headers)
