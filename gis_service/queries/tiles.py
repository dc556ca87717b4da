"""Mapbox Vector Tiles from PostGIS (ST_AsMVT), in the WebMercatorQuad tile matrix set.

Large collections are read from their per-zoom EPSG:3857 bands (queries.tile_bands);
the rest are cut from the source rows.
"""
from __future__ import annotations

from sqlalchemy import Connection

from gis_service.db.engine import first_row
from gis_service.queries.features import ItemsQuery, from_sql, where_clause
from gis_service.queries.registry import Collection
from gis_service.queries.tile_bands import (FULL_BAND, SIZE_SQL, band_for, band_tolerance, groups_sql, pixel_m,
                                            tile_columns, tile_value_sql)

EXTENT = 4096
BUFFER = 64

# The tile's box in EPSG:3857 and storage, and the affine map to tile units (y down).
BOX_CTE = f"""bounds AS (SELECT ST_TileEnvelope(:z, :x, :y) AS merc),
        box AS (SELECT merc, ST_Transform(merc, 4490) AS storage, ST_XMin(merc) AS x0, ST_YMax(merc) AS y1,
                       {EXTENT} / (ST_XMax(merc) - ST_XMin(merc)) AS k FROM bounds)"""


def mvt_geom_sql(g: str) -> str:
    """A geometry (EPSG:3857) in tile units. One whose box lies inside the tile needs no
    clipping: it is only scaled and snapped to the grid (ring order is kept, the same as
    ST_AsMVTGeom gives); the rest go through ST_AsMVTGeom, which clips and repairs. Skipping
    its repair for the inner ones is most of a dense tile's saving (docs/PERFORMANCE.md)."""
    return f"""CASE WHEN {g} @ box.merc AND GeometryType({g}) IN ('POLYGON', 'MULTIPOLYGON', 'LINESTRING',
                    'MULTILINESTRING', 'POINT', 'MULTIPOINT')
               THEN ST_SnapToGrid(ST_Affine(ST_Force2D({g}), box.k, 0, 0, -box.k, -box.x0 * box.k, box.y1 * box.k), 1)
               ELSE ST_AsMVTGeom({g}, box.merc, {EXTENT}, {BUFFER}, true) END"""


def _mvt_sql(geom: str, columns: str, source: str) -> str:
    # MATERIALIZED: inlined, the outer IS NOT NULL test is pushed into the scan and the tile
    # geometry (the costly part) is computed twice per row.
    return f"""
        WITH {BOX_CTE},
        mvt AS MATERIALIZED (
            SELECT {mvt_geom_sql(geom)} AS geom, {columns}
              {source})
        SELECT ST_AsMVT(mvt.*, :layer, {EXTENT}, 'geom') FROM mvt WHERE geom IS NOT NULL AND NOT ST_IsEmpty(geom)"""


def _columns_sql(c: Collection) -> str:
    return f"{c.id_sql} AS id" + "".join(f", {tile_value_sql(c, n)} AS {n}" for n in tile_columns(c))


def tile_sql(q: ItemsQuery) -> tuple[str, dict]:
    """The tile's SQL over the items' own FROM and WHERE (filter, as_of), so a tile holds
    exactly the features the same filter gives on /items inside the tile's box. The box test
    is in storage CRS, so it uses the GIST index instead of transforming every row."""
    where, params = where_clause(q)
    source = f"""FROM {from_sql(q)} CROSS JOIN LATERAL (SELECT ST_Transform(t.geom, 3857) AS merc) m, box
             WHERE t.geom && box.storage AND {where}"""
    return _mvt_sql("m.merc", _columns_sql(q.collection), source), params


def banded_sql(q: ItemsQuery, precomputed: bool) -> tuple[str, dict]:
    """A generalised tile: each feature at its zoom band's simplification, features under
    ``:min_size`` dropped. ``precomputed`` reads the band from tile_geoms (no row is
    transformed; without a filter no source row is read either: the attributes are stored
    with the band); otherwise the same geometry is cut on the fly from the source rows."""
    c = q.collection
    where, params = where_clause(q)
    band = "g.collection_id = :tcid AND g.zoom = :band AND g.geom && box.merc AND g.size_m >= :min_size"
    if precomputed and not q.filter_sql:
        return _mvt_sql("g.geom", "g.feature_id AS id, g.attrs", f"FROM tile_geoms g, box WHERE {band}"), {}
    if precomputed:
        return _mvt_sql("g.geom", _columns_sql(c), f"""FROM tile_geoms g JOIN {from_sql(q)} ON {c.id_sql} = g.feature_id,
                        box WHERE {band} AND {where}"""), params
    geom = "CASE WHEN :tol > 0 THEN ST_SimplifyPreserveTopology(m.merc, :tol) ELSE m.merc END"
    source = f"""FROM {from_sql(q)} CROSS JOIN LATERAL (SELECT ST_Transform(t.geom, 3857) AS merc) m, box
             WHERE t.geom && box.storage AND {where} AND {SIZE_SQL.format(g="m.merc")} >= :min_size"""
    return _mvt_sql(geom, _columns_sql(c), source), params


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
    banded_full (every feature, from the 3857 copy). Serial: the engine's connections run no
    parallel workers (db.engine.make_engine)."""
    if how == "source":
        sql, params = tile_sql(q)
    elif how in ("aggregate", "aggregate_live"):
        sql, params = aggregate_sql(q, precomputed=how == "aggregate")
        params["tcid"] = q.collection.id
    else:
        sql, params = banded_sql(q, precomputed=how != "banded_live")
        params.update(band_params(z, full=how == "banded_full"), tcid=q.collection.id)
    params.update(z=z, x=x, y=y, layer=q.collection.id)
    row = first_row(conn, sql, params)
    return bytes(row[0] or b"") if row else b""
