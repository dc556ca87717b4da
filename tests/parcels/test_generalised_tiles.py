"""Generalised parcel tiles (detail=auto): within a pixel of the source, only sub-pixel features
dropped, counts below the aggregate zoom equal to PostGIS', and detail=full as stored."""
from __future__ import annotations

import collections

import pytest
import shapely
from sqlalchemy import create_engine, text

from gis_service.loader.parcels import load_synthetic_parcels
from gis_service.queries import tile_bands
from gis_service.queries.features import ItemsQuery
from gis_service.queries.registry import get_collection
from gis_service.queries.tiles import fetch_tile

from ..conftest import app_client, cloned_db
from .mvt import decode, envelope, pixel_m, tile_for, to_merc

N_PARCELS = 3000
SETTINGS = dict(tile_cache_mb=0, tile_generalise_min_features=1000, tile_aggregate_below_zoom=8,
                tile_seed_worker=False, tile_seeds=False)
CENTRE = (112.85, 35.50)


def _load_and_build(engine):
    load_synthetic_parcels(engine, N_PARCELS, seed=7, progress=False)
    with engine.begin() as conn:
        tile_bands.rebuild(conn, get_collection(conn, "parcels"))


@pytest.fixture(scope="module")
def parcels_db(pg, loaded_template):
    with cloned_db(pg, loaded_template, prepare=_load_and_build) as url:
        yield url


@pytest.fixture(scope="module")
def client(parcels_db):
    with app_client(parcels_db, **SETTINGS) as c:
        yield c


@pytest.fixture(scope="module")
def source(parcels_db):
    """Every live parcel in EPSG:3857 (pyproj), with its unit and land-use class."""
    engine = create_engine(parcels_db)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, admin_unit, land_use, ST_AsBinary(geom) FROM parcels "
                                 "WHERE NOT retired")).all()
    engine.dispose()
    return {r[0]: (to_merc(r[3]), r[1], r[2]) for r in rows}


def _tile(client, z, x, y, **params):
    r = client.get(f"/collections/parcels/tiles/WebMercatorQuad/{z}/{y}/{x}", params=params)
    assert r.status_code == 200, r.text
    return decode(r.content, z, x, y).get("parcels", {})


def _in_tile(source, z, x, y):
    env = envelope(z, x, y)
    return {pid: g for pid, (g, _, _) in source.items() if g.intersects(env) and g.intersection(env).area > 0}


@pytest.mark.parametrize("z", [10, 12])
def test_generalised_tile_is_within_a_pixel_of_the_source(client, source, z):
    x, y = tile_for(*CENTRE, z)
    got, expected = _tile(client, z, x, y), _in_tile(source, z, x, y)
    px, env = pixel_m(z), envelope(z, x, y)
    kept = {pid for pid in expected if pid in got}
    assert len(kept) > 10
    # Each kept parcel, and the union of them all, lies within one pixel of its source (clipped to the tile).
    worst = max(shapely.hausdorff_distance(got[pid][0].intersection(env), expected[pid].intersection(env))
                for pid in kept)
    assert worst <= px, (worst, px)
    # The unions as point sets: each lies inside the other grown by a pixel. (Per-feature
    # simplification leaves sub-pixel slivers between neighbours, so the boundaries' discrete
    # Hausdorff distance is not the measure here; the regions' is.)
    union_got = shapely.union_all([got[pid][0] for pid in kept]).intersection(env)
    union_src = shapely.union_all([expected[pid] for pid in kept]).intersection(env)
    assert union_got.difference(union_src.buffer(px)).area < 1.0
    assert union_src.difference(union_got.buffer(px)).area < 1.0
    assert union_got.area == pytest.approx(union_src.area, rel=0.1)
    # Generalised: fewer vertices than the source.
    assert sum(shapely.get_num_coordinates(got[p][0]) for p in kept) < \
        sum(shapely.get_num_coordinates(expected[p].intersection(env)) for p in kept)


def test_only_features_under_a_pixel_are_dropped(client, source):
    z = 10
    x, y = tile_for(*CENTRE, z)
    got, expected = _tile(client, z, x, y), _in_tile(source, z, x, y)
    px = pixel_m(z)

    def size(g):  # a polygon under a pixel has less area than a pixel
        return g.area ** 0.5

    # Under a pixel: the parcel, or the part of it inside this tile (a big neighbour whose
    # corner grazes the tile may, simplified by half a pixel, no longer reach into it).
    env = envelope(z, x, y)
    small = {pid for pid, g in expected.items() if min(size(g), size(g.intersection(env))) < px}
    dropped = set(expected) - set(got)
    assert not set(got) - set(expected)
    assert dropped, "at z10 some synthetic parcels are under a pixel"
    assert dropped <= small
    assert any(size(expected[pid]) < px for pid in dropped)
    assert len(got) > len(dropped) / 10


@pytest.mark.parametrize("z", [10, 14])
def test_detail_full_is_the_tile_as_stored(client, parcels_db, z):
    x, y = tile_for(*CENTRE, z)
    full = _tile(client, z, x, y, detail="full")
    engine = create_engine(parcels_db)
    with engine.connect() as conn:
        old = fetch_tile(conn, ItemsQuery(collection=get_collection(conn, "parcels"), limit=1), z, x, y, "source")
    engine.dispose()
    before = decode(old, z, x, y)["parcels"]
    assert set(full) == set(before)
    assert all(full[pid][0].equals_exact(before[pid][0], 1e-6) and full[pid][1] == before[pid][1] for pid in full)
    auto = _tile(client, z, x, y)
    assert len(auto) < len(full) or z == 14


@pytest.mark.parametrize("z", [14, 16])
def test_tile_geometry_matches_postgis_own_mvt_encoding(client, parcels_db, z):
    """The served tile against one cut with ST_AsMVTGeom for every feature (the tile code scales
    and snaps the features inside the tile itself): same features and properties, each shape
    within one tile unit, exterior rings turning the same way."""
    x, y = tile_for(*CENTRE, z)
    served = _tile(client, z, x, y, detail="full")
    engine = create_engine(parcels_db)
    with engine.connect() as conn:
        body = conn.execute(text("""
            WITH b AS (SELECT ST_TileEnvelope(:z, :x, :y) AS merc),
            m AS MATERIALIZED (SELECT ST_AsMVTGeom(ST_Transform(t.geom, 3857), b.merc, 4096, 64, true) AS geom,
                                      t.id, t.land_use, t.land_use_name, t.area_m2::float8 AS area_m2, t.admin_unit
                                 FROM parcels t, b WHERE NOT t.retired AND ST_Transform(t.geom, 3857) && b.merc)
            SELECT ST_AsMVT(m.*, 'parcels', 4096, 'geom') FROM m WHERE geom IS NOT NULL"""),
            {"z": z, "x": x, "y": y}).scalar()
    engine.dispose()
    reference = decode(bytes(body), z, x, y)["parcels"]
    unit = pixel_m(z) * 256 / 4096
    assert set(served) == set(reference) and len(served) > 10
    for pid, (geom, props) in served.items():
        ref, ref_props = reference[pid]
        assert props == ref_props
        assert shapely.hausdorff_distance(geom, ref) <= 1.01 * unit
        assert [shapely.is_ccw(p.exterior) for p in getattr(geom, "geoms", [geom])] == \
               [shapely.is_ccw(p.exterior) for p in getattr(ref, "geoms", [ref])]


def test_detail_parameter_is_checked_and_keyed(client):
    x, y = tile_for(*CENTRE, 12)
    path = f"/collections/parcels/tiles/WebMercatorQuad/12/{y}/{x}"
    bad = client.get(path, params={"detail": "medium"})
    assert bad.status_code == 400 and "detail" in bad.text
    auto, full = client.get(path), client.get(path, params={"detail": "full"})
    assert auto.headers["etag"] != full.headers["etag"]
    assert client.get(path, params={"detail": "full"}, headers={"If-None-Match": auto.headers["etag"]}).status_code == 200
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"]["get"]
    assert any(p["name"] == "detail" and p["schema"]["enum"] == ["auto", "full"] for p in op["parameters"])


def test_aggregated_tiles_count_parcels_per_unit_and_class(client, parcels_db):
    z = 7  # below the configured aggregate zoom (8)
    x, y = tile_for(*CENTRE, z)
    got = _tile(client, z, x, y)
    engine = create_engine(parcels_db)
    with engine.connect() as conn:
        counts = {(r[0], r[1]): r[2] for r in conn.execute(text(
            "SELECT coalesce(admin_unit, ''), land_use, count(*) FROM parcels WHERE NOT retired GROUP BY 1, 2"))}
    engine.dispose()
    tiled = collections.Counter()
    for _, props in got.values():
        tiled[(props["admin_unit"], props["land_use"])] += props["count"]
    assert dict(tiled) == counts and sum(counts.values()) == N_PARCELS
    assert all(g.geom_type == "Point" for g, _ in got.values())


def test_a_patch_recounts_the_groups_it_touches(parcels_db):
    """Moving parcels to another class and retiring one recounts just their groups; every count
    then equals PostGIS' GROUP BY over the live parcels (rolled back afterwards)."""
    engine = create_engine(parcels_db)
    with engine.connect() as conn, conn.begin() as tx:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM parcels WHERE NOT retired ORDER BY id LIMIT 4"))]
        conn.execute(text("UPDATE parcels SET land_use = '0999', land_use_name = '试验地类' WHERE id = ANY(:ids)"),
                     {"ids": ids[:3]})
        conn.execute(text("UPDATE parcels SET retired = true WHERE id = :i"), {"i": ids[3]})
        untouched = conn.execute(text("SELECT xmin::text, key FROM tile_aggregates WHERE collection_id = 'parcels'")).all()
        tile_bands.patch(conn, get_collection(conn, "parcels"), ids, claim_version=1)
        got = {r[0]: r[1] for r in conn.execute(text(
            "SELECT key, count FROM tile_aggregates WHERE collection_id = 'parcels'"))}
        want = {r[0]: r[1] for r in conn.execute(text(
            "SELECT coalesce(admin_unit, '') || '|' || land_use, count(*) FROM parcels WHERE NOT retired GROUP BY 1"))}
        rewritten = {r[0] for r in conn.execute(text(
            "SELECT key FROM tile_aggregates WHERE collection_id = 'parcels' AND xmin = pg_current_xact_id()::xid"))}
        tx.rollback()
    engine.dispose()
    assert got == want and any(k.endswith("|0999") for k in got)
    assert 1 < len(rewritten) < len(untouched)  # only the touched groups were rewritten
