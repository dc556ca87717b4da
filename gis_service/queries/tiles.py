"""Mapbox Vector Tiles from PostGIS (ST_AsMVT), in the WebMercatorQuad tile matrix set.

The tile envelope is transformed to the table's SRID (4490), so the bounding
box test uses the GIST index instead of transforming every row.
"""
from __future__ import annotations

from sqlalchemy import Connection, text

from gis_service.queries.features import ItemsQuery, from_sql, where_clause
from gis_service.queries.registry import Collection
from gis_service.queries.tile_bands import FULL_BAND, SIZE_SQL, band_for, band_tolerance, groups_sql, pixel_m

EXTENT = 4096
BUFFER = 64
# Attributes worth carrying in a tile: short, used for styling, popups or filters.
TILE_PROPERTIES = ("name", "category", "zone_class", "level", "status", "percent_complete",
                   "geometry_quality", "location_basis", "land_use", "land_use_name", "area_m2",
                   "admin_unit")


# Run before tile_sql in the same transaction. A parallel worker starts without PROJ's
# transformation cache and spends ~0.2-0.4 s setting up 4490 -> 3857 before its first row:
# far more than a whole tile costs serially (measured in bench/, docs/PERFORMANCE.md).
SERIAL_SQL = "SET LOCAL max_parallel_workers_per_gather = 0"


def tile_columns(c: Collection) -> list[str]:
    return [n for n in TILE_PROPERTIES if n in c.properties and not c.properties[n].is_json]


def tile_sql(q: ItemsQuery) -> tuple[str, dict]:
    """The tile's SQL over the items' own FROM and WHERE (filter, as_of), so a tile holds
    exactly the features the same filter gives on /items inside the tile's box."""
    c = q.collection
    where, params = where_clause(q)
    columns = "".join(f", {c.properties[n].sql} AS {n}" for n in tile_columns(c))
    return f"""
        WITH bounds AS (SELECT ST_TileEnvelope(:z, :x, :y) AS merc),
        box AS (SELECT merc, ST_Transform(merc, 4490) AS storage FROM bounds),
        -- MATERIALIZED: inlined, the outer IS NOT NULL test is pushed into the scan and
        -- ST_AsMVTGeom (the costly part) runs twice per row.
        mvt AS MATERIALIZED (
            SELECT ST_AsMVTGeom(ST_Transform(t.geom, 3857), box.merc, {EXTENT}, {BUFFER}, true) AS geom,
                   {c.id_sql} AS id{columns}
              FROM {from_sql(q)}, box
             WHERE t.geom && box.storage AND {where})
        SELECT ST_AsMVT(mvt.*, :layer, {EXTENT}, 'geom') FROM mvt WHERE geom IS NOT NULL""", params


def _columns_sql(c: Collection) -> str:
    return "".join(f", {c.properties[n].sql} AS {n}" for n in tile_columns(c))


def banded_sql(q: ItemsQuery, precomputed: bool) -> tuple[str, dict]:
    """A generalised tile: each feature at its zoom band's simplification, features under
    ``:min_size`` dropped. ``precomputed`` reads the band from tile_geoms (no row is
    transformed); otherwise the same geometry is cut on the fly from the source rows."""
    c = q.collection
    where, params = where_clause(q)
    if precomputed:
        source = f"""FROM tile_geoms g JOIN {from_sql(q)} ON {c.id_sql} = g.feature_id, box
             WHERE g.collection_id = :tcid AND g.zoom = :band AND g.geom && box.merc
               AND g.size_m >= :min_size AND {where}"""
        geom = "g.geom"
    else:
        source = f"""FROM {from_sql(q)} CROSS JOIN LATERAL (SELECT ST_Transform(t.geom, 3857) AS merc) m, box
             WHERE t.geom && box.storage AND {where} AND {SIZE_SQL.format(g="m.merc")} >= :min_size"""
        geom = "CASE WHEN :tol > 0 THEN ST_SimplifyPreserveTopology(m.merc, :tol) ELSE m.merc END"
    return f"""
        WITH bounds AS (SELECT ST_TileEnvelope(:z, :x, :y) AS merc),
        box AS (SELECT merc, ST_Transform(merc, 4490) AS storage FROM bounds),
        mvt AS MATERIALIZED (
            SELECT ST_AsMVTGeom({geom}, box.merc, {EXTENT}, {BUFFER}, true) AS geom,
                   {c.id_sql} AS id{_columns_sql(c)}
              {source})
        SELECT ST_AsMVT(mvt.*, :layer, {EXTENT}, 'geom') FROM mvt WHERE geom IS NOT NULL""", params


def band_params(z: int, full: bool) -> dict:
    """The band, its simplification and the drop threshold for zoom ``z`` (``full``: none)."""
    band = FULL_BAND if full else band_for(z)
    return {"band": band, "tol": 0.0 if band == FULL_BAND else band_tolerance(band),
            "min_size": 0.0 if band == FULL_BAND else pixel_m(z)}


def aggregate_sql(q: ItemsQuery, precomputed: bool) -> tuple[str, dict]:
    """Counts per unit and class: from tile_aggregates, or (a filter) grouped live."""
    if precomputed:
        groups, params = "SELECT * FROM tile_aggregates WHERE collection_id = :tcid", {}
    else:
        groups, params = groups_sql(q)
    return f"""
        WITH bounds AS (SELECT ST_TileEnvelope(:z, :x, :y) AS merc),
        groups AS MATERIALIZED ({groups}),
        mvt AS MATERIALIZED (
            SELECT ST_AsMVTGeom(g.geom, bounds.merc, {EXTENT}, {BUFFER}, true) AS geom,
                   g.key AS id, g.admin_unit, g.land_use, g.land_use_name, g.count, g.area_m2
              FROM groups g, bounds WHERE g.geom && ST_Expand(bounds.merc, 1))
        SELECT ST_AsMVT(mvt.*, :layer, {EXTENT}, 'geom') FROM mvt WHERE geom IS NOT NULL""", params


def fetch_tile(conn: Connection, q: ItemsQuery, z: int, x: int, y: int, how: str = "source") -> bytes:
    """One tile's MVT bytes (empty where the tile holds no feature). ``how``: source (every
    feature as stored), banded / banded_live (generalised, precomputed or cut on the fly),
    aggregate / aggregate_live (counts per unit and class, precomputed or grouped live),
    banded_full (every feature, from the 3857 copy)."""
    conn.execute(text(SERIAL_SQL))
    if how == "source":
        sql, params = tile_sql(q)
    elif how in ("aggregate", "aggregate_live"):
        sql, params = aggregate_sql(q, precomputed=how == "aggregate")
        params["tcid"] = q.collection.id
    else:
        sql, params = banded_sql(q, precomputed=how != "banded_live")
        params.update(band_params(z, full=how == "banded_full"), tcid=q.collection.id)
    params.update(z=z, x=x, y=y, layer=q.collection.id)
    return bytes(conn.execute(text(sql), params).scalar() or b"")
