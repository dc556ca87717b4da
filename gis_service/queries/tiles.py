"""Mapbox Vector Tiles from PostGIS (ST_AsMVT), in the WebMercatorQuad tile matrix set.

The tile envelope is transformed to the table's SRID (4490), so the bounding
box test uses the GIST index instead of transforming every row.
"""
from __future__ import annotations

from sqlalchemy import Connection, text

from gis_service.queries.features import ItemsQuery, from_sql, where_clause
from gis_service.queries.registry import Collection

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


def fetch_tile(conn: Connection, q: ItemsQuery, z: int, x: int, y: int) -> bytes:
    """One tile's MVT bytes (empty where the tile holds no feature)."""
    conn.execute(text(SERIAL_SQL))
    sql, params = tile_sql(q)
    params.update(z=z, x=x, y=y, layer=q.collection.id)
    return bytes(conn.execute(text(sql), params).scalar() or b"")
