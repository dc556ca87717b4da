"""Vector tiles with ``filter=`` and ``as_of=``: a tile decodes to the features the same filter
gives on /items inside the tile's box, and the cache and ETag tell the variants apart."""
from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from sqlalchemy import create_engine, text

from ..conftest import app_client
from ..progress.conftest import bearer, keys  # noqa: F401  (fixture)

HALF = 20037508.342789244


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def tile_bbox(z: int, x: int, y: int) -> str:
    """The tile's envelope in CRS84 (a Mercator box is a lon/lat box)."""
    size = 2 * HALF / 2 ** z
    minx, maxy = -HALF + x * size, HALF - y * size
    maxx, miny = minx + size, maxy - size

    def lon(mx): return mx / HALF * 180
    def lat(my): return math.degrees(2 * math.atan(math.exp(my / HALF * math.pi)) - math.pi / 2)
    return f"{lon(minx)},{lat(miny)},{lon(maxx)},{lat(maxy)}"


def tile_ids(client, collection: str, z: int, x: int, y: int, **params) -> set[str]:
    r = client.get(f"/collections/{collection}/tiles/WebMercatorQuad/{z}/{y}/{x}", params=params)
    assert r.status_code == 200, r.text
    layers = mapbox_vector_tile.decode(r.content)
    return {f["properties"]["id"] for f in layers.get(collection, {}).get("features", [])}


def item_ids(client, collection: str, z: int, x: int, y: int, **params) -> set[str]:
    r = client.get(f"/collections/{collection}/items", params={"bbox": tile_bbox(z, x, y), "limit": 10000, **params})
    assert r.status_code == 200, r.text
    return {f["id"] for f in r.json()["features"]}


def centre(client) -> tuple[float, float]:
    x1, y1, x2, y2 = client.get("/collections/function_zones").json()["extent"]["spatial"]["bbox"][0]
    return (x1 + x2) / 2, (y1 + y2) / 2


@pytest.mark.parametrize("collection,cql", [
    ("function_zones", "zone_class = 'prohibited'"),
    ("function_zones", "zone_class IN ('optimized','key')"),
    ("projects", "status <> 'unknown' OR name LIKE '%园%'"),
    ("projects", '{"op": "like", "args": [{"property": "name"}, "%村%"]}'),
])
def test_filtered_tile_holds_the_filtered_items_of_its_box(client, collection, cql):
    lang = "cql2-json" if cql.startswith("{") else "cql2-text"
    lon, lat = centre(client)
    checked = 0
    for z in (11, 12):
        x, y = tile_of(lon, lat, z)
        expected = item_ids(client, collection, z, x, y, filter=cql, **{"filter-lang": lang})
        everything = tile_ids(client, collection, z, x, y)
        got = tile_ids(client, collection, z, x, y, filter=cql, **{"filter-lang": lang})
        assert got == expected, (z, got ^ expected)
        assert got <= everything
        checked += len(everything - got) > 0
    assert checked, "the filter should leave some feature of the tile out"


def test_filter_changes_the_cache_key_and_etag(client):
    lon, lat = centre(client)
    x, y = tile_of(lon, lat, 11)
    path = f"/collections/function_zones/tiles/WebMercatorQuad/11/{y}/{x}"
    plain = client.get(path)
    one = client.get(path, params={"filter": "zone_class = 'prohibited'"})
    other = client.get(path, params={"filter": "zone_class = 'optimized'"})
    tags = {plain.headers["etag"], one.headers["etag"], other.headers["etag"]}
    assert len(tags) == 3
    assert len({plain.content, one.content, other.content}) == 3  # the cache served no variant for another
    again = client.get(path, params={"filter": "zone_class = 'prohibited'"},
                       headers={"If-None-Match": one.headers["etag"]})
    assert again.status_code == 304
    assert client.get(path, params={"filter": "zone_class = 'optimized'"},
                      headers={"If-None-Match": one.headers["etag"]}).status_code == 200


@pytest.mark.parametrize("params,parameter", [
    ({"bbox": "1,2,3,4"}, "bbox"),
    ({"limit": "5"}, "limit"),
    ({"zone_class": "key"}, "zone_class"),
    ({"filter": "nosuch = 1"}, "filter"),
    ({"filter": "zone_class = "}, "filter"),
    ({"as_of": "yesterday"}, "as_of"),
])
def test_bad_tile_parameters_get_a_bilingual_400(client, params, parameter):
    r = client.get("/collections/function_zones/tiles/WebMercatorQuad/11/800/1600", params=params)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["detail"]["parameter"] == parameter
    assert body["message_zh"] and body["description"]


def test_as_of_tile_shows_the_recorded_state(loaded_db, keys):  # noqa: F811
    engine = create_engine(loaded_db)

    def run(sql, **params):
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return result.all() if result.returns_rows else None

    fid, lon, lat = run("SELECT id, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM projects "
                        "WHERE NOT retired AND geom IS NOT NULL AND status = 'unknown' ORDER BY id LIMIT 1")[0]
    with app_client(loaded_db) as client:
        path = f"/collections/projects/items/{fid}"
        etag = client.get(path).headers["etag"]
        r = client.patch(path, json={"status": "ongoing", "status_date": "2019-06-30"},
                         headers={**bearer(keys["editor"]), "If-Match": etag})
        assert r.status_code == 200, r.text
        # The change as if recorded on 2020-03-31 at 22:00 Beijing time.
        run("ALTER TABLE progress_events DISABLE TRIGGER progress_events_append_only")
        run("UPDATE progress_events SET recorded_at = '2020-03-31 22:00+08' WHERE feature_id = :f "
            "AND action <> 'load'", f=fid)
        run("ALTER TABLE progress_events ENABLE TRIGGER progress_events_append_only")
        z = 13
        x, y = tile_of(lon, lat, z)
        unknown = "status = 'unknown'"
        now = tile_ids(client, "projects", z, x, y, filter=unknown)
        then = tile_ids(client, "projects", z, x, y, filter=unknown, as_of="2020-03-30")
        assert fid not in now and fid in then
        assert then == item_ids(client, "projects", z, x, y, filter=unknown, as_of="2020-03-30")
        assert tile_ids(client, "projects", z, x, y, as_of="2020-03-31") == item_ids(
            client, "projects", z, x, y, as_of="2020-03-31")
        tile = f"/collections/projects/tiles/WebMercatorQuad/{z}/{y}/{x}"
        assert client.get(tile).headers["etag"] != client.get(tile, params={"as_of": "2020-03-30"}).headers["etag"]
    engine.dispose()
