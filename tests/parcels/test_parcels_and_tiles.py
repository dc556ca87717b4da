"""The synthetic cadastre, vector tiles and keyset paging at (small) cadastral scale."""
import math

import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import create_engine, text

from gis_service.loader.parcels import load_synthetic_parcels

from ..conftest import app_client, cloned_db, test_settings

N_PARCELS = 3000


@pytest.fixture(scope="module")
def parcels_db(pg, loaded_template):
    with cloned_db(pg, loaded_template,
                   prepare=lambda engine: load_synthetic_parcels(engine, N_PARCELS, seed=7, progress=False)) as url:
        yield url


@pytest.fixture(scope="module")
def client(parcels_db):
    with app_client(parcels_db, tile_cache_mb=0) as c:
        yield c


def test_parcels_tessellate_chengqu(parcels_db):
    engine = create_engine(parcels_db)
    with engine.connect() as conn:
        count, area, district, invalid, overlap = conn.execute(text("""
            SELECT count(*), sum(ST_Area(p.geom::geography)),
                   (SELECT ST_Area(geom::geography) FROM admin_units WHERE level = 'district'),
                   count(*) FILTER (WHERE NOT ST_IsValid(p.geom)),
                   (SELECT count(*) FROM parcels a JOIN parcels b ON a.id < b.id AND a.geom && b.geom
                     WHERE ST_Area(ST_Intersection(a.geom, b.geom)::geography) > 1)
              FROM parcels p""")).one()
        meta = conn.execute(text("SELECT kind, feature_count, title_zh FROM layer_meta "
                                 "WHERE collection_id = 'parcels'")).one()
    engine.dispose()
    assert count == N_PARCELS and invalid == 0 and overlap == 0
    assert area == pytest.approx(district, rel=0.002)  # no gaps
    assert (meta.kind, meta.feature_count) == ("working", N_PARCELS) and "合成" in meta.title_zh


def test_generation_is_deterministic(parcels_db):
    from gis_service.loader.synthetic_parcels import generate

    engine = create_engine(parcels_db)
    with engine.connect() as conn:
        wkb = conn.execute(text("SELECT ST_AsBinary(geom) FROM admin_units WHERE level='district'")).scalar()
        first = conn.execute(text("SELECT id, ST_AsText(geom) FROM parcels ORDER BY id LIMIT 5")).all()
    engine.dispose()
    again = generate(shapely.from_wkb(bytes(wkb)), [], 500, seed=7)
    twice = generate(shapely.from_wkb(bytes(wkb)), [], 500, seed=7)
    assert again.ids == twice.ids
    assert all(a.equals_exact(b, 0) for a, b in zip(again.geoms, twice.geoms))
    assert len(first) == 5


def test_keyset_paging_returns_every_parcel_once(client):
    url, params, seen = "/collections/parcels/items", {"limit": 700, "skipGeometry": "true"}, []
    pages = 0
    while url:
        body = client.get(url, params=params).json()
        params, pages = None, pages + 1
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    assert len(seen) == len(set(seen)) == N_PARCELS
    assert pages == math.ceil(N_PARCELS / 700)


def _walk(client, params: dict) -> tuple[list[str], set[int]]:
    """Every page of a selection by its next links: the ids in order, and each page's numberMatched."""
    url, seen, matched = "/collections/parcels/items", [], set()
    while url:
        body = client.get(url, params=params).json()
        params = None
        seen += [f["id"] for f in body["features"]]
        matched.add(body["numberMatched"])
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    return seen, matched


@pytest.mark.parametrize("limit", [1, 37, 500])
def test_bbox_pages_are_the_parcels_shapely_finds_in_the_box(client, parcels_db, limit):
    """Filtered pages count their selection in the page's own scan and page by keyset: each page
    must still report the whole selection's count, and the walk must give shapely's answer."""
    engine = create_engine(parcels_db)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, ST_AsBinary(geom) AS wkb FROM parcels ORDER BY id")).all()
        cx, cy = conn.execute(text("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Extent(geom)) c "
                                   "FROM parcels) s")).one()
    engine.dispose()
    box = (cx - 0.01, cy - 0.008, cx + 0.012, cy + 0.006)
    expected = sorted(r.id for r in rows if shapely.from_wkb(bytes(r.wkb)).intersects(shapely.box(*box)))
    assert 40 < len(expected) < N_PARCELS
    seen, matched = _walk(client, {"bbox": ",".join(map(str, box)), "limit": limit, "skipGeometry": "true"})
    assert seen == expected
    assert matched == {len(expected)}


def tile_for(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_tile_decodes_to_the_parcels_in_it(client, parcels_db):
    z = 14
    x, y = tile_for(112.85, 35.50, z)
    response = client.get(f"/collections/parcels/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    layer = mapbox_vector_tile.decode(response.content)["parcels"]
    got = {f["properties"]["id"] for f in layer["features"]}
    assert {"land_use", "land_use_name", "area_m2"} <= set(layer["features"][0]["properties"])

    # Independent answer: parcels intersecting the tile envelope, computed with shapely.
    to_merc = Transformer.from_crs(4490, 3857, always_xy=True)
    size = 2 * 20037508.342789244 / 2 ** z
    minx, maxy = -20037508.342789244 + x * size, 20037508.342789244 - y * size
    envelope = shapely.box(minx, maxy - size, minx + size, maxy)
    engine = create_engine(parcels_db)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, ST_AsBinary(geom) FROM parcels")).all()
    engine.dispose()
    expected = set()
    for pid, wkb in rows:
        geom = shapely.transform(shapely.from_wkb(bytes(wkb)),
                                 lambda xy: np.column_stack(to_merc.transform(xy[:, 0], xy[:, 1])))
        if geom.intersects(envelope) and geom.intersection(envelope).area > 0:
            expected.add(pid)
    assert expected and got == expected


def test_tile_etag_and_bad_addresses(client):
    x, y = tile_for(112.85, 35.50, 12)
    first = client.get(f"/collections/parcels/tiles/WebMercatorQuad/12/{y}/{x}")
    again = client.get(f"/collections/parcels/tiles/WebMercatorQuad/12/{y}/{x}",
                       headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert client.get("/collections/parcels/tiles/WebMercatorQuad/3/9/9").status_code == 400
    assert client.get("/collections/parcels/tiles/WorldCRS84Quad/3/1/1").status_code == 404
    empty = client.get("/collections/parcels/tiles/WebMercatorQuad/5/0/0")
    assert empty.status_code == 200 and mapbox_vector_tile.decode(empty.content) == {}


def test_tilejson_and_tileset_metadata(client):
    tj = client.get("/collections/parcels/tiles/WebMercatorQuad/tilejson.json").json()
    assert tj["tiles"][0].endswith("/collections/parcels/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert tj["vector_layers"][0]["id"] == "parcels" and "land_use" in tj["vector_layers"][0]["fields"]
    ts = client.get("/collections/parcels/tiles/WebMercatorQuad").json()
    assert any(link["rel"] == "item" and "{tileMatrix}/{tileRow}/{tileCol}" in link["href"] for link in ts["links"])


@pytest.mark.parametrize("fmt", ["gpkg", "csv"])
def test_streamed_export_writes_every_parcel_once(parcels_db, fmt):
    import pyogrio

    from gis_service.db.engine import make_engine
    from gis_service.queries.registry import get_collection
    from gis_service.queries.features import ItemsQuery
    from gis_service.services.exports import export_frames
    from gis_service.services.ogc.items import iter_frames

    engine = make_engine(test_settings(parcels_db), pool_size=1, max_overflow=0)
    with engine.connect() as conn:
        collection = get_collection(conn, "parcels")
    frames = iter_frames(engine, ItemsQuery(collection=collection, limit=N_PARCELS), N_PARCELS, chunk_rows=700)
    with export_frames(frames, fmt, "parcels", style=collection.style, geometry_type="MultiPolygon") as result:
        read = pyogrio.read_dataframe(result.path) if fmt == "gpkg" else None
        if fmt == "csv":
            import pandas as pd

            read = pd.read_csv(result.path, encoding="utf-8-sig", dtype={"id": str})
    engine.dispose()
    assert len(read) == N_PARCELS and read["id"].nunique() == N_PARCELS
    assert set(read["land_use_name"]) >= {"城镇住宅用地", "旱地"}


def test_a_query_over_its_time_budget_gets_503_not_a_hang(parcels_db):
    with app_client(parcels_db, statement_timeout_ms=5, tile_cache_mb=0) as strict:
        r = strict.get("/collections/parcels/items", params={"limit": N_PARCELS, "sortby": "-area_m2"})
        health = strict.get("/healthz")  # the pool is not held: the next request is answered
    assert r.status_code == 503 and r.headers["retry-after"]
    assert health.status_code == 200
