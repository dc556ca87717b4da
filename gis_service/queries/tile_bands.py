"""Web Mercator copies of a large collection, per zoom band, kept in ``tile_geoms``.

Band ``FULL_BAND`` is the unsimplified EPSG:3857 geometry of every feature (so no tile
transforms a row). Bands ``MIN_BAND``..``MAX_BAND`` hold each feature simplified to half a
pixel of that zoom with ST_SimplifyPreserveTopology, and only features at least one pixel
across there (smaller ones are dropped from the tile anyway). A "pixel" is a 256-pixel
tile's pixel, the way a map displays it; MVT's 4096 grid is 16 times finer. A polygon is
under a pixel when its area is less than a pixel's (as tippecanoe drops tiny polygons).

Simplification is per feature: a patch after an edit touches only the edited rows, inside
the writing transaction. Neighbours that share an edge may then differ by up to the
tolerance (half a pixel) along it, never more.
"""
from __future__ import annotations

import math

from sqlalchemy import Connection, text

from gis_service.queries.features import ItemsQuery, from_sql, where_clause
from gis_service.queries.registry import Collection

WORLD_M = 2 * 20037508.342789244
MIN_BAND = 8
MAX_BAND = 14
FULL_BAND = 22  # not simplified: zooms above MAX_BAND, and detail=full
SIMPLIFY_PIXELS = 0.5
# Attributes worth carrying in a tile: short, used for styling, popups or filters.
TILE_PROPERTIES = ("name", "category", "zone_class", "level", "status", "percent_complete",
                   "geometry_quality", "location_basis", "land_use", "land_use_name", "area_m2",
                   "admin_unit")


def tile_columns(c: Collection) -> list[str]:
    return [n for n in TILE_PROPERTIES if n in c.properties and not c.properties[n].is_json]


def tile_value_sql(c: Collection, name: str) -> str:
    """A tile attribute's SQL: numbers as float8 (ST_AsMVT writes a numeric column as text)."""
    p = c.properties[name]
    return f"CAST({p.sql} AS float8)" if p.json_type == "number" else p.sql


def attrs_sql(c: Collection) -> str:
    """The tile attributes of a row of ``c`` (alias t) as one jsonb, nulls left out (as
    ST_AsMVT leaves out null columns): stored with the bands, so a tile reads no source row."""
    pairs = ", ".join(f"'{n}', {tile_value_sql(c, n)}" for n in tile_columns(c))
    return f"jsonb_strip_nulls(jsonb_build_object({pairs}))" if pairs else "'{}'::jsonb"


def pixel_m(z: int) -> float:
    """One display pixel at zoom ``z``, in EPSG:3857 metres."""
    return WORLD_M / (256 * 2 ** z)


def band_for(z: int) -> int:
    return FULL_BAND if z > MAX_BAND else max(z, MIN_BAND)


def band_tolerance(z: int) -> float:
    return SIMPLIFY_PIXELS * pixel_m(z)


BANDS = tuple(range(MIN_BAND, MAX_BAND + 1))
_BAND_PARAMS = {"zooms": [*BANDS, FULL_BAND], "tols": [band_tolerance(z) for z in BANDS] + [0.0],
                "pxs": [pixel_m(z) for z in BANDS] + [0.0]}


# A feature's size on screen: a polygon's is the side of the square of its area (so "under a
# pixel" means less area than a pixel), a line's the larger side of its bbox; a point is never
# dropped.
SIZE_SQL = """CASE ST_Dimension({g}) WHEN 2 THEN sqrt(ST_Area({g}))
    WHEN 1 THEN greatest(ST_XMax({g}) - ST_XMin({g}), ST_YMax({g}) - ST_YMin({g})) ELSE 1e15 END"""


def _source_sql(c: Collection, only_ids: bool) -> str:
    extra = f" AND {c.id_sql} = ANY(CAST(:ids AS text[]))" if only_ids else ""
    return f"""
        SELECT {c.id_sql} AS id, m.merc, {attrs_sql(c)} AS attrs,
               {SIZE_SQL.format(g="m.merc")} AS size_m
          FROM {c.table} t CROSS JOIN LATERAL (SELECT ST_Transform(t.geom, 3857) AS merc) m
         WHERE {c.base_where} AND t.geom IS NOT NULL AND NOT ST_IsEmpty(t.geom){extra}"""


def _insert_sql(c: Collection, only_ids: bool) -> str:
    return f"""
        INSERT INTO tile_geoms (collection_id, zoom, feature_id, size_m, attrs, geom)
        SELECT :tcid, b.zoom, s.id, s.size_m, s.attrs,
               CASE WHEN b.tol = 0 THEN s.merc ELSE ST_SimplifyPreserveTopology(s.merc, b.tol) END
          FROM ({_source_sql(c, only_ids)}) s
          JOIN unnest(CAST(:zooms AS int[]), CAST(:tols AS float8[]), CAST(:pxs AS float8[])) AS b(zoom, tol, px)
            ON s.size_m >= b.px
         -- Band by band in Hilbert order (PostGIS sorts geometries so): a tile's rows share pages.
         ORDER BY b.zoom, s.merc"""


# Counts per 街道 (admin unit) and land-use class where the collection has both columns,
# else per 0.01-degree grid cell; one point each, at the mean of its features' centroids.
GRID_DEGREES = 0.01


def _plain(c: Collection) -> set[str]:
    return {n for n, p in c.properties.items() if not p.is_json}


def _by_unit_and_class(c: Collection) -> bool:
    return {"admin_unit", "land_use", "land_use_name"} <= _plain(c)


UNIT_CLASS_KEY = "coalesce({unit}, '') || '|' || {cls}"  # the aggregates' key, as groups_sql makes it
SOURCE_KEY = UNIT_CLASS_KEY.format(unit="t.admin_unit", cls="t.land_use")
BAND_KEY = UNIT_CLASS_KEY.format(unit="g.attrs->>'admin_unit'", cls="(g.attrs->>'land_use')")


def groups_sql(q: ItemsQuery, only_keys: bool = False) -> tuple[str, dict]:
    """The aggregate rows (key, admin_unit, land_use, land_use_name, count, area_m2, geom), over
    the features that have bands (a geometry, not empty); ``only_keys``: the groups in ``:keys``."""
    c = q.collection
    where, params = where_clause(q)
    if _by_unit_and_class(c):
        keys = "coalesce(t.admin_unit, '') AS admin_unit, t.land_use, t.land_use_name"
    else:
        keys = (f"'grid ' || floor(ST_X(ST_Centroid(t.geom)) / {GRID_DEGREES}) || ',' || "
                f"floor(ST_Y(ST_Centroid(t.geom)) / {GRID_DEGREES}) AS admin_unit, '' AS land_use, "
                "'' AS land_use_name")
    if only_keys:
        where += f" AND {SOURCE_KEY} = ANY(CAST(:keys AS text[]))"
    area = "sum(t.area_m2)" if "area_m2" in _plain(c) else "sum(ST_Area(t.geom::geography))"
    return f"""
        SELECT admin_unit || '|' || land_use AS key, * FROM (
            SELECT {keys}, count(*)::int AS count, round({area}::numeric, 1)::float8 AS area_m2,
                   ST_Transform(ST_SetSRID(ST_MakePoint(avg(ST_X(ST_Centroid(t.geom))),
                                                        avg(ST_Y(ST_Centroid(t.geom)))), 4490), 3857) AS geom
              FROM {from_sql(q)} WHERE t.geom IS NOT NULL AND NOT ST_IsEmpty(t.geom) AND {where}
             GROUP BY 1, 2, 3) s""", params


def _refresh_aggregates(conn: Connection, c: Collection, keys: set[str] | None = None) -> None:
    """Every group of ``c`` again, or only the groups in ``keys`` (a patch by unit and class:
    a whole-collection GROUP BY is seconds at cadastral size, too long inside each edit)."""
    sql, params = groups_sql(ItemsQuery(collection=c, limit=1), only_keys=keys is not None)
    scope = "" if keys is None else " AND key = ANY(CAST(:keys AS text[]))"
    params = {**params, "tcid": c.id, "keys": sorted(keys or ())}
    conn.execute(text(f"DELETE FROM tile_aggregates WHERE collection_id = :tcid{scope}"), params)
    conn.execute(text(f"""INSERT INTO tile_aggregates (collection_id, key, admin_unit, land_use, land_use_name,
                                                     count, area_m2, geom)
                          SELECT :tcid, key, admin_unit, land_use, land_use_name, count, area_m2, geom
                            FROM ({sql}) g"""), params)


def _group_keys(conn: Connection, c: Collection, feature_ids: list[str]) -> set[str] | None:
    """The groups these features are counted in now, read from their full band (which is
    what the aggregates count); None where groups are grid cells (then all are redone)."""
    if not _by_unit_and_class(c):
        return None
    rows = conn.execute(text(f"""
        SELECT DISTINCT {BAND_KEY}
          FROM tile_geoms g WHERE g.collection_id = :c AND g.zoom = :full AND g.feature_id = ANY(CAST(:ids AS text[]))"""),
        {"c": c.id, "full": FULL_BAND, "ids": feature_ids}).scalars()
    return {k for k in rows if k is not None}


def lock_collection(conn: Connection, collection_id: str) -> int | None:
    """Lock the collection's layer_meta row (writers bump it): no write can commit mid-build."""
    return conn.execute(text("SELECT data_version FROM layer_meta WHERE collection_id = :c FOR UPDATE"),
                        {"c": collection_id}).scalar()


def _mark(conn: Connection, c: Collection, version: int) -> None:
    conn.execute(text("""
        INSERT INTO tile_state (collection_id, data_version, features, built_at)
        VALUES (:c, :v, (SELECT count(*) FROM tile_geoms WHERE collection_id = :c AND zoom = :full), now())
        ON CONFLICT (collection_id) DO UPDATE SET data_version = EXCLUDED.data_version,
            features = EXCLUDED.features, built_at = now()"""), {"c": c.id, "v": version, "full": FULL_BAND})


# A whole-collection rebuild is a load-sized job (one to several minutes for 200k parcels on a
# busy 2-core machine), not an interactive read: it gets its own timeout, then the caller's is put back.
REBUILD_TIMEOUT = "30min"


def rebuild(conn: Connection, c: Collection) -> int:
    """Every band of ``c`` from scratch, in the caller's transaction; returns the version built."""
    version = lock_collection(conn, c.id)
    before = conn.execute(text("SELECT current_setting('statement_timeout')")).scalar()
    conn.execute(text("SELECT set_config('statement_timeout', :t, true)"), {"t": REBUILD_TIMEOUT})
    conn.execute(text("DELETE FROM tile_geoms WHERE collection_id = :c"), {"c": c.id})
    conn.execute(text(_insert_sql(c, only_ids=False)), {"tcid": c.id, **c.base_params, **_BAND_PARAMS})
    _refresh_aggregates(conn, c)
    conn.execute(text("SELECT set_config('statement_timeout', :t, true)"), {"t": before})
    _mark(conn, c, version)
    return version


def patch(conn: Connection, c: Collection, feature_ids: list[str], claim_version: int | None) -> None:
    """Re-cut the bands of these features (deleted or retired ones just go); with
    ``claim_version`` the state then says the bands (and the aggregates) match that version."""
    before = _group_keys(conn, c, feature_ids)
    conn.execute(text("DELETE FROM tile_geoms WHERE collection_id = :c AND feature_id = ANY(CAST(:ids AS text[]))"),
                 {"c": c.id, "ids": feature_ids})
    conn.execute(text(_insert_sql(c, only_ids=True)),
                 {"tcid": c.id, "ids": feature_ids, **c.base_params, **_BAND_PARAMS})
    if claim_version is not None:
        after = _group_keys(conn, c, feature_ids)
        _refresh_aggregates(conn, c, None if before is None or after is None else before | after)
        _mark(conn, c, claim_version)


def drop(conn: Connection, collection_id: str) -> None:
    conn.execute(text("DELETE FROM tile_geoms WHERE collection_id = :c"), {"c": collection_id})
    conn.execute(text("DELETE FROM tile_aggregates WHERE collection_id = :c"), {"c": collection_id})
    conn.execute(text("DELETE FROM tile_state WHERE collection_id = :c"), {"c": collection_id})


def built_version(conn: Connection, collection_id: str) -> int | None:
    return conn.execute(text("SELECT data_version FROM tile_state WHERE collection_id = :c"),
                        {"c": collection_id}).scalar()


def committed_version(conn: Connection, collection_id: str) -> int | None:
    """The collection's data_version as committed, read on another connection: inside a write
    it is the version before this transaction's own bumps (the writer holds the row lock,
    so no other writer can commit one in between)."""
    with conn.engine.connect() as other:
        return other.execute(text("SELECT data_version FROM layer_meta WHERE collection_id = :c"),
                             {"c": collection_id}).scalar()


def districts_bounds(conn: Connection) -> tuple[float, float, float, float] | None:
    """The 城区 boundary's bbox in EPSG:3857, for seeding."""
    row = conn.execute(text("""SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (
        SELECT ST_Transform(ST_Envelope(geom), 3857) AS b FROM admin_units
         WHERE level = 'district' AND NOT retired LIMIT 1) s""")).first()
    return None if row is None or row[0] is None else tuple(row)


def tile_range(bounds: tuple[float, float, float, float], z: int) -> tuple[range, range]:
    """Columns and rows of zoom ``z`` covering ``bounds`` (EPSG:3857)."""
    n, half = 2 ** z, WORLD_M / 2
    def col(v: float) -> int: return min(n - 1, max(0, math.floor((v + half) / WORLD_M * n)))
    def row(v: float) -> int: return min(n - 1, max(0, math.floor((half - v) / WORLD_M * n)))
    return range(col(bounds[0]), col(bounds[2]) + 1), range(row(bounds[3]), row(bounds[1]) + 1)
