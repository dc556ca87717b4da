"""OGC API – Tiles: vector tiles (MVT) per collection, TileJSON and tileset metadata."""
from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request, Response
from sqlalchemy import Connection

from gis_service.api.deps import BaseUrl, Conn, read_in_one_hop
from gis_service.api.negotiation import not_modified
from gis_service.api.ogc_deps import CollectionDep
from gis_service.queries.registry import get_collection
from gis_service.services.ogc.params import operation_parameters
from gis_service.services.ogc.composite_tiles import (
    OPENAPI_PARAMETERS, composite_tile, composite_tileset_for, composite_tilesets,
)
from gis_service.services.ogc.tile_seeds import seed_lifespan
from gis_service.services.ogc.tiles import (
    DETAIL_PARAMETER, MVT, TMS_ID, check_tile, tile_bytes, tile_matrix_set, tile_request, tilejson_for, tileset_document,
    tilesets_document,
)

router = APIRouter(tags=["OGC API – Tiles"], lifespan=seed_lifespan)


@router.get("/tileMatrixSets", summary="瓦片矩阵集 / tile matrix sets")
def tile_matrix_sets(base: BaseUrl):
    return {"tileMatrixSets": [{"id": TMS_ID, "links": [
        {"rel": "self", "href": f"{base}/tileMatrixSets/{TMS_ID}", "type": "application/json"}]}]}


@router.get("/tileMatrixSets/{tileMatrixSetId}", summary="瓦片矩阵集定义 / tile matrix set")
def tile_matrix_set_definition(tileMatrixSetId: str):
    check_tile(tileMatrixSetId, 0, 0, 0)
    return tile_matrix_set()


@router.get("/collections/{collectionId}/tiles", summary="图层瓦片集 / collection tilesets")
def collection_tilesets(c: CollectionDep, base: BaseUrl):
    return tilesets_document(base, c)


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}", summary="瓦片集元数据 / tileset")
def collection_tileset(tileMatrixSetId: str, c: CollectionDep, base: BaseUrl):
    check_tile(tileMatrixSetId, 0, 0, 0)
    return tileset_document(base, c)


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}/tilejson.json", summary="TileJSON")
def collection_tilejson(tileMatrixSetId: str, c: CollectionDep, conn: Conn, base: BaseUrl):
    check_tile(tileMatrixSetId, 0, 0, 0)
    return tilejson_for(conn, base, c)


@router.get("/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
            summary="矢量瓦片 / vector tile (z/y/x)", response_class=Response,
            responses={200: {"content": {MVT: {}}}}, openapi_extra={"parameters": [
                *operation_parameters(("filter", "filter-lang", "filter-crs")),
                {"name": "as_of", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
                 "description": "规划图层在该日（北京时间）结束时的状态 / plan layers as recorded at the end of this day"},
                DETAIL_PARAMETER]})
async def tile(tileMatrixSetId: str, tileMatrix: int, tileRow: int, tileCol: int, collectionId: str,
               request: Request):
    return await read_in_one_hop(request, partial(_tile, request, collectionId, tileMatrixSetId,
                                                  (tileMatrix, tileRow, tileCol)))


def _tile(request: Request, collection_id: str, tms: str, zyx: tuple[int, int, int], conn: Connection) -> Response:
    c = get_collection(conn, collection_id)
    req = tile_request(c, tms, *zyx, request.query_params)
    headers = {"ETag": req.etag, "Cache-Control": "public, max-age=60"}
    if not_modified(request, req.etag):
        return Response(status_code=304, headers=headers)
    body = tile_bytes(conn, request.app.state.tile_cache, req, request.app.state.tile_policy)
    return Response(body, media_type=MVT, headers=headers)


@router.get("/tiles", summary="合成瓦片集 / dataset tilesets (plan layers composite)")
def dataset_tilesets(base: BaseUrl):
    return composite_tilesets(base)


@router.get("/tiles/{tileMatrixSetId}", summary="规划图层合成瓦片集元数据 / plan layers composite tileset")
def dataset_tileset(tileMatrixSetId: str, conn: Conn, base: BaseUrl):
    return composite_tileset_for(conn, base, tileMatrixSetId)


@router.get("/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
            summary="规划图层合成矢量瓦片 / one vector tile with a layer per plan collection (z/y/x)",
            response_class=Response, responses={200: {"content": {MVT: {}}}},
            openapi_extra={"parameters": OPENAPI_PARAMETERS})
def dataset_tile(tileMatrixSetId: str, tileMatrix: int, tileRow: int, tileCol: int, request: Request, conn: Conn):
    etag, body = composite_tile(conn, request.app.state.tile_cache, request.app.state.tile_policy,
                                tileMatrixSetId, tileMatrix, tileRow, tileCol, request.query_params)
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60"}
    if not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body(), media_type=MVT, headers=headers)
