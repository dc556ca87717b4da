"""OGC API – Tiles documents and a small tile cache keyed by data_version.

Because the key includes the collection's data_version, a cached tile can
never outlive the data it was cut from; the cache only saves repeat work.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection

from gis_service.errors import BadParameter, NotFound
from gis_service.queries.features import ItemsQuery
from gis_service.queries.registry import Collection
from gis_service.queries.tile_seeds import seeded_tile
from gis_service.queries.tile_bands import tile_columns
from gis_service.queries.tiles import fetch_tile
from gis_service.services.ogc.items import collection_extent
from gis_service.services.ogc.params import build_items_query
from gis_service.services.ogc.tile_detail import TilePolicy, how_to_cut, parse_detail

TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
MVT = "application/vnd.mapbox-vector-tile"
MAX_ZOOM = 22
# What a tile can honour: the items' CQL2 filter and time travel. Anything else is refused.
TILE_PARAMETERS = ("filter", "filter-lang", "filter-crs", "as_of", "detail")
DETAIL_PARAMETER = {
    "name": "detail", "in": "query", "required": False,
    "schema": {"type": "string", "enum": ["auto", "full"], "default": "auto"},
    "description": "auto：大图层按缩放级别概括（逐级简化、舍去不足一像素的要素、低级别按街道与地类汇总计数）；"
                   "full：原始几何、全部要素 / auto: large collections are generalised per zoom (simplified "
                   "to half a pixel, sub-pixel features dropped, counts per 街道 and land use below the "
                   "aggregate zoom); full: every feature as stored. Small collections are the same under both."}


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


@dataclass(frozen=True)
class TileRequest:
    """One tile address with its filter; ``variant`` is what the cache key and ETag carry."""
    query: ItemsQuery
    z: int
    y: int
    x: int
    variant: tuple[tuple[str, str], ...]
    detail: str = "auto"

    @property
    def key(self) -> tuple:
        c = self.query.collection
        return (c.id, c.data_version, self.z, self.y, self.x, self.variant, self.detail)

    @property
    def etag(self) -> str:
        c = self.query.collection
        tag = f"{c.id}-{c.data_version}-{self.z}-{self.y}-{self.x}"
        if self.detail != "auto":
            tag += f"-{self.detail}"
        if self.variant:
            tag += "-" + hashlib.sha256(repr(self.variant).encode()).hexdigest()[:16]
        return f'W/"{tag}"'


def tile_request(c: Collection, tms: str, z: int, y: int, x: int, params: Mapping[str, str]) -> TileRequest:
    """A checked tile address and filter, or a 400 naming the parameter."""
    check_tile(tms, z, y, x)
    unknown = sorted(set(params) - set(TILE_PARAMETERS))
    if unknown:
        raise BadParameter(unknown[0], f"瓦片不支持该参数（可用：{', '.join(TILE_PARAMETERS)}）",
                           f"unknown tile parameter {unknown[0]!r}; tiles accept {list(TILE_PARAMETERS)}")
    given = {k: v for k, v in params.items() if v != "" and k != "detail"}
    detail = parse_detail(params.get("detail"))
    q = build_items_query(c, given, limit=1, max_limit=1)
    variant = tuple(sorted(given.items())) if q.filter_sql or q.as_of else ()
    return TileRequest(q, z, y, x, variant, detail)


def tile_bytes(conn: Connection, cache: TileCache, req: TileRequest, policy: TilePolicy) -> bytes:
    """A tile from the cache, a seed, or PostGIS (the keys carry the data version)."""
    body = cache.get(req.key)
    if body is None:
        c = req.query.collection
        how = how_to_cut(conn, c, req.z, req.detail, req.query.as_of is not None, policy,
                         filtered=bool(req.query.filter_sql))
        if policy.seeds and how in ("banded", "aggregate") and not req.variant and req.z <= policy.seed_max_zoom:
            body = seeded_tile(conn, c.id, c.data_version, req.z, req.x, req.y)
        if body is None:
            body = fetch_tile(conn, req.query, req.z, req.x, req.y, how)
        cache.put(req.key, body)
    return body


def tilejson_for(conn: Connection, base: str, c: Collection) -> dict:
    return tilejson(base, c, collection_extent(conn, c))
