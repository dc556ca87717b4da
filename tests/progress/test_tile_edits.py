"""After an edit through the API, the next generalised tile shows it: the bands are patched in
the writing transaction and seeds of the old data_version are never served."""
from __future__ import annotations

import shapely
from sqlalchemy import create_engine

from gis_service.services.ogc.tile_detail import TilePolicy
from gis_service.services.ogc.tile_seeds import seed_collection, seed_large
from gis_service.settings import Settings

from ..parcels.mvt import TO_MERC, decode, envelope, pixel_m, tile_for
from .conftest import bearer

LAYER = "urban_village_sites"
# Every collection counts as large here, so the plan layer gets bands and seeds.
SETTINGS = dict(tile_generalise_min_features=1, tile_aggregate_below_zoom=0, tile_seed_worker=False,
                tile_cache_mb=0, tile_seeds=True, tile_seed_max_zoom=12)
SQUARE = [(112.85, 35.50), (112.853, 35.50), (112.853, 35.503), (112.85, 35.503), (112.85, 35.50)]


def _tile(client, z, lon, lat):
    x, y = tile_for(lon, lat, z)
    r = client.get(f"/collections/{LAYER}/tiles/WebMercatorQuad/{z}/{y}/{x}")
    assert r.status_code == 200
    return decode(r.content, z, x, y).get(LAYER, {})


def test_edit_is_in_the_next_tile_not_a_stale_band_or_seed(make_client, keys, db, loaded_db):
    client = make_client(**SETTINGS)
    policy = TilePolicy.from_settings(Settings(**SETTINGS))
    engine = create_engine(loaded_db)
    seeded = seed_collection(engine, LAYER, policy)
    assert seeded.rebuilt and seeded.tiles > 0
    fid, old_lon, old_lat = db(f"SELECT id, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
                               f"FROM {LAYER} WHERE geom IS NOT NULL ORDER BY id LIMIT 1")[0]
    before = _tile(client, 12, old_lon, old_lat)
    assert fid in before and before[fid][1].get("location_basis") != "surveyed"

    path = f"/collections/{LAYER}/items/{fid}"
    tag = client.get(path).headers["etag"]
    body = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in SQUARE]]},
            "properties": {"geometry_quality": "official", "location_basis": "surveyed"}, "reason": "实测"}
    r = client.patch(path, json=body, headers={**bearer(keys["editor"]), "If-Match": tag})
    assert r.status_code == 200, r.text

    # The bands were patched in the edit's own transaction: they claim the new version.
    (version, built), = db(f"SELECT m.data_version, s.data_version FROM layer_meta m JOIN tile_state s "
                           f"USING (collection_id) WHERE collection_id = '{LAYER}'")
    assert version == built and version > seeded.data_version
    square = shapely.Polygon([TO_MERC.transform(*p) for p in SQUARE])
    for z in (12, 14):  # a seeded zoom (its seed is of the old version) and an unseeded one
        got = _tile(client, z, 112.8515, 35.5015)
        assert fid in got, z
        assert got[fid][1]["location_basis"] == "surveyed", z  # the attributes stored with the bands too
        env = envelope(z, *tile_for(112.8515, 35.5015, z))
        assert shapely.hausdorff_distance(got[fid][0].intersection(env), square.intersection(env)) <= pixel_m(z)
    old_tile = _tile(client, 12, old_lon, old_lat)  # where it was: gone, or only the new square
    assert fid not in old_tile or old_tile[fid][0].difference(square.buffer(pixel_m(12))).area < 1

    # The worker's next round re-seeds at the new version only.
    seed_large(engine, policy)
    versions = {v for (v,) in db(f"SELECT DISTINCT data_version FROM tile_seeds WHERE collection_id = '{LAYER}'")}
    engine.dispose()
    assert versions == {version}
    assert fid in _tile(client, 12, 112.8515, 35.5015)


def test_points_are_never_dropped_from_generalised_tiles(make_client, loaded_db):
    from gis_service.services.ogc.tile_seeds import rebuild_if_stale

    client = make_client(**SETTINGS)
    engine = create_engine(loaded_db)
    assert rebuild_if_stale(engine, "projects")
    engine.dispose()
    for z in (9, 12):
        x, y = tile_for(112.85, 35.50, z)
        path = f"/collections/projects/tiles/WebMercatorQuad/{z}/{y}/{x}"
        auto = decode(client.get(path).content, z, x, y).get("projects", {})
        full = decode(client.get(path, params={"detail": "full"}).content, z, x, y).get("projects", {})
        assert full and set(auto) == set(full), z
