"""OGC API – Tiles documents and a small tile cache keyed by data_version.

Because the key includes the collection's data_version, a cached tile can
never outlive the data it was cut from; the cache only saves repeat work.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import Connection

from gis_service.errors import BadParameter, NotFound
from gis_service.queries.registry import Collection
from gis_service.queries.tiles import fetch_tile, tile_columns
from gis_service.services.ogc.items import collection_extent

TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
MVT = "application/vnd.mapbox-vector-tile"
MAX_ZOOM = 22


def check_tile(tms: str, z: int, y: int, x: int) -> None:
    if tms != TMS_ID:
        raise NotFound(f"不支持的瓦片矩阵集 {tms}", f"unknown tile matrix set {tms!r}; use {TMS_ID}",
                       detail={"parameter": "tileMatrixSetId"})
    if not 0 <= z <= MAX_ZOOM:
        raise BadParameter("tileMatrix", f"缩放级别须在 0–{MAX_ZOOM}", f"must be 0–{MAX_ZOOM}")
    if not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        raise BadParameter("tileRow/tileCol", "瓦片行列号超出范围", f"out of range for zoom {z}")


def tiles_template(base: str, c: Collection) -> str:
    return f"{base}/collections/{c.id}/tiles/{TMS_ID}/{{z}}/{{y}}/{{x}}"


def tilesets_document(base: str, c: Collection) -> dict:
    href = f"{base}/collections/{c.id}/tiles/{TMS_ID}"
    return {"tilesets": [{
        "title": f"{c.title_zh} 矢量瓦片 / vector tiles", "dataType": "vector", "crs": TMS_URI.replace(
            "tilematrixset/OGC/1.0/WebMercatorQuad", "crs/EPSG/0/3857"),
        "tileMatrixSetURI": TMS_URI,
        "links": [{"rel": "self", "href": href, "type": "application/json", "title": TMS_ID},
                  {"rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
                   "href": f"{base}/tileMatrixSets/{TMS_ID}", "type": "application/json"}],
    }]}


def tileset_document(base: str, c: Collection) -> dict:
    return {
        "title": f"{c.title_zh} 矢量瓦片 / vector tiles",
        "dataType": "vector",
        "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
        "tileMatrixSetURI": TMS_URI,
        "layers": [{"id": c.id, "dataType": "vector", "geometryType": (c.geometry_type or "").lower()}],
        "links": [
            {"rel": "item", "href": tiles_template(base, c).replace("{z}", "{tileMatrix}")
             .replace("{y}", "{tileRow}").replace("{x}", "{tileCol}"), "type": MVT, "templated": True},
            {"rel": "describedby", "href": f"{base}/collections/{c.id}/tiles/{TMS_ID}/tilejson.json",
             "type": "application/json", "title": "TileJSON"},
            {"rel": "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme",
             "href": f"{base}/tileMatrixSets/{TMS_ID}", "type": "application/json"},
        ],
    }


def tilejson(base: str, c: Collection, extent: list[float] | None) -> dict:
    fields = {n: c.properties[n].json_type.title() for n in tile_columns(c)}
    return {
        "tilejson": "3.0.0",
        "name": c.id,
        "description": c.title_zh,
        "version": str(c.data_version),
        "scheme": "xyz",
        "tiles": [tiles_template(base, c)],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": extent or [-180, -85.0511, 180, 85.0511],
        "vector_layers": [{"id": c.id, "fields": {"id": "String", **fields}}],
    }


def tile_matrix_set() -> dict:
    return {"id": TMS_ID, "uri": TMS_URI, "crs": "http://www.opengis.net/def/crs/EPSG/0/3857",
            "title": "Google Maps Compatible for the World", "orderedAxes": ["X", "Y"],
            "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible"}


class TileCache:
    """Bounded LRU of tile bytes; size 0 disables it (benchmarks compare uncached)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple, value: bytes) -> None:
        if self.max_bytes <= 0 or len(value) > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self._size += len(value)
            while self._size > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self._size -= len(old)


def tile_bytes(conn: Connection, cache: TileCache, c: Collection, z: int, y: int, x: int) -> bytes:
    """A tile from the cache, or from PostGIS (then cached: the key carries the data version)."""
    key = (c.id, c.data_version, z, y, x)
    body = cache.get(key)
    if body is None:
        body = fetch_tile(conn, c, z, x, y)
        cache.put(key, body)
    return body


def tile_etag(c: Collection, z: int, y: int, x: int) -> str:
    return f'W/"{c.id}-{c.data_version}-{z}-{y}-{x}"'


def tilejson_for(conn: Connection, base: str, c: Collection) -> dict:
    return tilejson(base, c, collection_extent(conn, c))
