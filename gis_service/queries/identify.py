"""SQL for identify: every collection's features at one location, in one statement.

Polygons count when they contain the point; points and lines when they lie within the
tolerance (a click's reach), measured in EPSG:4547. The bounding-box test first lets each
table's spatial index pick the few candidates.
"""
from __future__ import annotations

from sqlalchemy import Connection, text

from gis_service.crs import AREA_EPSG
from gis_service.queries.registry import Collection

# Degrees that always span at least the tolerance at Chengqu's latitude (a longitude degree is ~90 km).
_DEGREES_PER_M = 1 / 80_000


def _branch(i: int, c: Collection) -> str:
    name = c.properties["name"].sql if "name" in c.properties else "NULL"
    where = c.base_where.replace(":base_cid", f":cid_{i}")
    return (f"SELECT :cid_{i} AS collection_id, {c.id_sql}::text AS id, ({name})::text AS name, "
            f"ST_Dimension(t.geom) AS dim, ST_Distance(ST_Transform(t.geom, {AREA_EPSG}), p.g) AS distance_m "
            f"FROM {c.table} t, pt p WHERE {where} AND t.geom IS NOT NULL AND t.geom && p.box "
            f"AND CASE WHEN ST_Dimension(t.geom) = 2 THEN ST_Intersects(t.geom, p.g4490) "
            f"ELSE ST_DWithin(ST_Transform(t.geom, {AREA_EPSG}), p.g, :tolerance_m) END")


def features_at(conn: Connection, collections: list[Collection], lon: float, lat: float,
                tolerance_m: float) -> list:
    """Rows (collection_id, id, name, dim, distance_m) at (lon, lat) in EPSG:4490."""
    if not collections:
        return []
    branches = " UNION ALL ".join(_branch(i, c) for i, c in enumerate(collections))
    sql = (f"WITH pt AS (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4490) AS g4490, "
           f"ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4490), {AREA_EPSG}) AS g, "
           f"ST_Expand(ST_SetSRID(ST_MakePoint(:lon, :lat), 4490), :box_deg) AS box) "
           f"SELECT * FROM ({branches}) hits ORDER BY collection_id, distance_m, id")
    params = {"lon": lon, "lat": lat, "tolerance_m": tolerance_m,
              "box_deg": max(tolerance_m, 1.0) * _DEGREES_PER_M}
    for i, c in enumerate(collections):
        params[f"cid_{i}"] = c.id
    return conn.execute(text(sql), params).all()
