"""Set-based SQL for the parcel check: one statement per chunk of parcels.

Every measure is taken in EPSG:4547 (CGCS2000 / 3-degree GK CM 114E). The
plan layers are transformed once per statement (MATERIALIZED CTEs: a few
dozen features) and joined against every parcel of the chunk, so the cost of
a chunk is one round trip, whatever its size.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import shapely
from sqlalchemy import Connection, TextClause, text

from gis_service.crs import AREA_EPSG
from gis_service.db.engine import driver_rows
from gis_service.queries.check_layers import LAYER_CTES, STAMP_CTE, keep_layers

# Features that cannot take part in a check (no geometry), named in every report's caveats.
_UNLOCATED = """
  SELECT COALESCE(json_agg(json_build_object('layer', layer, 'id', id, 'name', name, 'category', category)
                           ORDER BY layer, id), '[]'::json)
    FROM (SELECT 'ecology_sites' AS layer, id, name, category FROM ecology_sites
           WHERE NOT retired AND geom IS NULL AND category IN ('reservoir', 'forest_park')
          UNION ALL
          SELECT 'green_corridors', id, name, category FROM green_corridors
           WHERE NOT retired AND geom IS NULL) u
"""

# The parcels of one request: (ord, g4490, g, extra) from the bound arrays.
REQUEST_INPUT = f"""
  SELECT t.ord, ST_SetSRID(ST_GeomFromWKB(t.wkb), 4490) AS g4490,
         ST_Transform(ST_SetSRID(ST_GeomFromWKB(t.wkb), 4490), {AREA_EPSG}) AS g, NULL::jsonb AS extra
    FROM unnest(CAST(:ords AS int[]), CAST(:wkbs AS bytea[])) AS t(ord, wkb)
"""


def check_sql(input_sql: str) -> str:
    """The check over any set of parcels ``input_sql`` yields as (ord, g4490, g in EPSG:4547, extra).

    The single check runs it over the request's parcels, a batch over its staged rows: one
    definition of what is measured, whatever the number of parcels.
    """
    return _CHECK_TEMPLATE.replace("{input}", input_sql)


_CHECK_TEMPLATE = f"""
WITH input AS MATERIALIZED ({{input}}),
{STAMP_CTE}
-- The plan layers as measured (``check_layers``): kept under their stamp, else built here.
{LAYER_CTES}
district AS MATERIALIZED (SELECT g FROM polys WHERE layer = 'admin_units' AND kind = 'district'),
overlap_pairs AS MATERIALIZED (
  -- Measured here, layer by layer, so PostGIS reuses each prepared layer geometry; only the
  -- numbers are kept, not the geometries (a layer feature copied per pair spilled to disk).
  SELECT i.ord, p.idx, i.covers,
         CASE WHEN i.covers THEN ST_Area(i.g) ELSE ST_Area(ST_Intersection(i.g, p.g)) END AS overlap_m2
    FROM polys p CROSS JOIN LATERAL (
      -- LATERAL ... OFFSET 0 keeps each layer feature outermost whatever the row estimates (a
      -- staged table's are often 1), so its prepared geometry serves every parcel of the set.
      SELECT i.ord, i.g, ST_Covers(p.g, i.g) AS covers
        FROM input i WHERE p.g && i.g AND ST_Intersects(p.g, i.g) OFFSET 0) i
),
overlap_rows AS MATERIALIZED (
  -- Aggregates without their own ORDER BY (one sort per aggregate and group was most of their
  -- cost): the pairs come sorted, and every aggregate of a group sees them in the same order.
  SELECT ord, json_build_array(array_agg(idx), array_agg(overlap_m2), array_agg(covers)) AS rows
    FROM (SELECT * FROM overlap_pairs ORDER BY ord, idx) p GROUP BY ord
),
distance_pairs AS MATERIALIZED (
  SELECT i.* FROM screen s CROSS JOIN LATERAL (
    -- Lateral on s: each screening feature stays outermost (its prepared geometry for ST_Covers).
    SELECT i.ord, s.idx, ST_Distance(s.g, i.g) AS distance_m,
           CASE WHEN s.zone_g IS NOT NULL THEN ST_Distance(s.zone_g, i.g) END AS zone_distance_m,
           s.zone_g IS NOT NULL AND ST_Covers(s.zone_g, i.g) AS inside_zone,
           ST_Dimension(s.g) = 2 AND ST_Covers(s.g, i.g) AS inside_feature
      FROM input i OFFSET 0) i
),
distance_rows AS MATERIALIZED (
  SELECT ord, json_build_array(array_agg(idx), array_agg(distance_m), array_agg(zone_distance_m),
                               array_agg(inside_zone), array_agg(inside_feature)) AS rows
    FROM (SELECT * FROM distance_pairs ORDER BY ord, idx) p GROUP BY ord
),
nearby_rows AS MATERIALIZED (
  SELECT i.ord, json_build_array(array_agg(i.idx ORDER BY i.d, i.id), array_agg(i.d ORDER BY i.d, i.id)) AS rows
    FROM points p CROSS JOIN LATERAL (
      SELECT i.ord, p.idx, p.id, ST_Distance(i.g, p.g) AS d
        FROM input i WHERE i.g && p.box AND ST_DWithin(i.g, p.g, :nearby_m) OFFSET 0) i
   GROUP BY i.ord
),
catalog AS (
  SELECT stamp, CASE WHEN stamp IS DISTINCT FROM CAST(:known AS text) THEN json_build_object(
    'polys', (SELECT json_agg(json_build_object(
                'layer', layer, 'id', id, 'name', name, 'kind', kind, 'geometry_quality', geometry_quality,
                'location_basis', location_basis, 'plan_ref', plan_ref) ORDER BY idx) FROM polys),
    'screen', (SELECT json_agg(json_build_object(
                 'layer', layer, 'id', id, 'name', name, 'kind', kind, 'geometry_quality', geometry_quality,
                 'plan_ref', plan_ref, 'zoned_fraction', zoned_fraction) ORDER BY idx) FROM screen),
    'points', (SELECT json_agg(json_build_object(
                 'layer', layer, 'id', id, 'name', name, 'category', category,
                 'geometry_quality', geometry_quality, 'location_basis', location_basis, 'status', status)
                 ORDER BY idx) FROM points),
    -- What every report of these layers says besides its pairs: versions and unlocated features.
    'context', json_build_object(
      'data_versions', (SELECT json_object_agg(collection_id, data_version ORDER BY collection_id)
                          FROM layer_meta WHERE collection_id = ANY(CAST(:layers AS text[]))),
      'unlocated', ({_UNLOCATED}),
      'projects_without_site', (SELECT count(*) FROM projects
                                 WHERE NOT retired AND location_basis IN ('unlocated', 'area_hint'))),
    -- 城区 itself (EPSG:4490), for the coordinate hints' point-in-district tests.
    'district', (SELECT encode(ST_AsBinary(ST_Union(geom)), 'hex') FROM admin_units
                  WHERE level = 'district' AND NOT retired AND geom IS NOT NULL))::text END AS features
    FROM stamp
)
SELECT i.ord, ST_Area(i.g) AS area_m2, GeometryType(i.g4490) AS geometry_type,
       ST_X(ST_PointOnSurface(i.g4490)) AS lon, ST_Y(ST_PointOnSurface(i.g4490)) AS lat,
       (SELECT ST_Distance(i.g, d.g) FROM district d ORDER BY 1 LIMIT 1) AS district_distance_m,
       -- As text: decoded by ``check_rows`` (orjson), not by the driver's json module.
       o.rows::text AS overlaps, d.rows::text AS distances, n.rows::text AS nearby, i.extra::text AS extra,
       CASE WHEN row_number() OVER (ORDER BY i.ord) = 1 THEN (SELECT stamp FROM catalog) END AS stamp,
       CASE WHEN row_number() OVER (ORDER BY i.ord) = 1 THEN (SELECT hit FROM kept) END AS kept,
       CASE WHEN row_number() OVER (ORDER BY i.ord) = 1 THEN (SELECT features FROM catalog) END AS catalog
  FROM input i
  LEFT JOIN overlap_rows o USING (ord)
  LEFT JOIN distance_rows d USING (ord)
  LEFT JOIN nearby_rows n USING (ord)
 ORDER BY i.ord
"""
CHECK_SQL = text(check_sql(REQUEST_INPUT))

# For the rest of a batch's transaction: a chunk's pairs and JSON rows are sorted in memory rather
# than spilled to temporary files (JIT and parallel workers are off for every connection: db.engine).
TUNE_SQL = text("SELECT set_config('work_mem', '64MB', true)")

# PostgreSQL keeps planning the check afresh (its custom plans look cheaper than the generic one),
# ~2.5 ms a time. For a few parcels the generic plan runs as fast, so a single check plans once per
# connection (docs/PERFORMANCE.md, change 15: 1 parcel 5.7 -> 3.1 ms). At 100 parcels it is slower,
# as it assumes a few; larger checks keep their custom plans.
GENERIC_PLAN_MAX_PARCELS = 10
GENERIC_PLAN_SQL = text("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)")

CHECKED_LAYERS = ("function_zones", "ecology_sites", "green_corridors", "urban_village_sites",
                  "admin_units", "sub_areas", "projects")


_JSON_COLUMNS = ("overlaps", "distances", "nearby", "extra")


def _pairs(features: list[dict], packed: list | None, names: tuple[str, ...], by_feature: bool = True) -> list[dict]:
    """[feature indexes, then one list per measure] -> one dict per pair: the feature, its measures.

    ``by_feature``: in feature order (the SQL sorts them so; checked, not trusted), else as given."""
    if not packed:
        return []
    pairs = zip(*packed)
    if by_feature and packed[0] != sorted(packed[0]):
        pairs = sorted(pairs)
    return [{**features[k], **dict(zip(names, values))} for k, *values in pairs]


@dataclass(frozen=True)
class Checked:
    """The rows of a check statement and what its catalog says of the layers they were checked against."""
    rows: list[dict]
    context: dict  # data_versions, unlocated, projects_without_site
    district: Any  # 城区 (shapely, prepared, EPSG:4490), or None when there is none
    kept: bool | None = None  # whether the layers came kept (queries.check_layers); None: no rows


# The last catalog seen per database (engine URL): (stamp, features).
_CATALOGS: dict[str, tuple[str, dict]] = {}


def _decoded_catalog(features: str) -> dict:
    catalog = orjson.loads(features)
    district = catalog.get("district")
    catalog["district"] = shapely.from_wkb(bytes.fromhex(district)) if district else None
    if catalog["district"] is not None:
        shapely.prepare(catalog["district"])
    return catalog


def run_check(conn: Connection, statement: TextClause, params: dict) -> Checked:
    """The rows of a ``check_sql`` statement, each with its overlaps, distances and nearby points as
    lists of dicts (feature and measures). The features come from the statement's own catalog, or
    from the one kept for this database when the statement's stamp says it is still that one.
    JSON is decoded with orjson, several times faster than the driver's json module."""
    key = str(conn.engine.url)
    known = _CATALOGS.get(key)
    # On the driver's cursor: SQLAlchemy's execute and result wrapping cost more than a check's Python.
    result = driver_rows(conn, statement.text, {**params, "layers": list(CHECKED_LAYERS),
                                                "known": known and known[0]})
    rows, catalog, kept = [], known[1] if known else None, None
    for row in result:
        stamp, features, hit = row.pop("stamp"), row.pop("catalog"), row.pop("kept")
        kept = hit if hit is not None else kept
        if features is not None:
            catalog = _decoded_catalog(features)
            _CATALOGS[key] = (stamp, catalog)
        elif stamp is not None and (known is None or stamp != known[0]):
            raise RuntimeError("parcel check: no catalog for the layers' stamp")  # cannot happen
        for name in _JSON_COLUMNS:
            if row[name] is not None:
                row[name] = orjson.loads(row[name])
        row["overlaps"] = _pairs(catalog["polys"], row["overlaps"], ("overlap_m2", "covers"))
        row["distances"] = _pairs(catalog["screen"], row["distances"],
                                  ("distance_m", "zone_distance_m", "inside_zone", "inside_feature"))
        row["nearby"] = _pairs(catalog["points"], row["nearby"], ("distance_m",), by_feature=False)
        rows.append(row)
    if catalog is None:  # no rows, and no catalog kept yet: nothing to describe
        return Checked(rows, {}, None)
    return Checked(rows, catalog["context"], catalog["district"], kept)


def check_chunk(conn: Connection, ords: list[int], wkbs: list[bytes], nearby_m: float = 500.0) -> Checked:
    """One row per parcel (in ``ords`` order) with its overlaps, distances and nearby points."""
    return run_check(conn, CHECK_SQL, {"ords": ords, "wkbs": wkbs, "nearby_m": nearby_m})


def keep_checked_layers(conn: Connection, checked: Checked) -> None:
    """After a check, in a transaction that writes on the primary anyway (see ``check_layers``)."""
    keep_layers(conn, checked.kept, list(CHECKED_LAYERS))


def tune_small_check(conn: Connection, parcels: int) -> None:
    """For the rest of a check's transaction, when it checks only a few parcels (see ``GENERIC_PLAN_SQL``)."""
    if parcels <= GENERIC_PLAN_MAX_PARCELS:
        conn.execute(GENERIC_PLAN_SQL)


def tune_check(conn: Connection) -> None:
    """Before the chunks of a batch, in its transaction (see ``TUNE_SQL``)."""
    conn.execute(TUNE_SQL)


MAKE_VALID_SQL = text("""
SELECT ST_AsBinary(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromWKB(t.wkb), 4490)), 3))
  FROM unnest(CAST(:wkbs AS bytea[])) WITH ORDINALITY AS t(wkb, n) ORDER BY t.n
""")


def make_valid(conn: Connection, wkbs: list[bytes]) -> list[bytes | None]:
    """ST_MakeValid, keeping only the polygonal part (empty when nothing is left)."""
    return [bytes(r[0]) if r[0] is not None else None
            for r in conn.execute(MAKE_VALID_SQL, {"wkbs": wkbs}).all()]


# Plan features round a stored report's parcel, for its map (GeoJSON built by PostGIS).
MAP_FEATURES_SQL = text("""
WITH parcel AS (SELECT geom, ST_Expand(ST_Envelope(geom), :margin_deg) AS box
                  FROM parcel_check_reports WHERE id = :id)
SELECT layer, id, name, class, ST_AsGeoJSON(g, 6) AS geometry FROM (
  SELECT 'admin_units' AS layer, a.id, a.name, a.level AS class, a.geom AS g, 1 AS draw_order
    FROM admin_units a, parcel p WHERE NOT a.retired AND a.geom && p.box
  UNION ALL
  SELECT 'function_zones', z.id, z.name, z.zone_class, z.geom, 0 FROM function_zones z, parcel p
   WHERE NOT z.retired AND z.geom && p.box
  UNION ALL
  SELECT 'ecology_sites', e.id, e.name, e.category, e.geom, 2 FROM ecology_sites e, parcel p
   WHERE NOT e.retired AND e.geom && p.box
  UNION ALL
  SELECT 'urban_village_sites', u.id, u.name, 'urban_village', u.geom, 3 FROM urban_village_sites u, parcel p
   WHERE NOT u.retired AND u.geom && p.box
  UNION ALL
  SELECT 'green_corridors', c.id, c.name, c.category, c.geom, 4 FROM green_corridors c, parcel p
   WHERE NOT c.retired AND c.geom && p.box
) f ORDER BY draw_order, layer, id
""")
LAYER_STYLES_SQL = text("SELECT collection_id, title_zh, style FROM layer_meta WHERE collection_id = ANY(:ids)")


def map_features(conn: Connection, report_id: str, margin_deg: float) -> tuple[list, dict]:
    rows = conn.execute(MAP_FEATURES_SQL, {"id": report_id, "margin_deg": margin_deg}).mappings().all()
    styles = {r.collection_id: (r.title_zh, r.style) for r in conn.execute(
        LAYER_STYLES_SQL, {"ids": ["admin_units", "function_zones", "ecology_sites", "urban_village_sites",
                                   "green_corridors"]})}
    return [dict(r) for r in rows], styles


# Which of these lon/lat points (EPSG:4490) lie inside 城区: the readings a coordinate hint weighs.
IN_DISTRICT_SQL = text("""
SELECT p.ord, EXISTS (SELECT 1 FROM admin_units a WHERE a.level = 'district' AND NOT a.retired
                        AND ST_Intersects(a.geom, ST_SetSRID(ST_MakePoint(p.x, p.y), 4490))) AS inside
  FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) WITH ORDINALITY AS p(x, y, ord) ORDER BY p.ord
""")


def points_in_district(conn: Connection, points: list[tuple[float, float]], district: Any = None) -> list[bool]:
    """Which points lie in 城区 (boundary included); ``district`` (``Checked.district``) answers
    without a round trip, as ST_Intersects would."""
    if not points:
        return []
    if district is not None:
        return [bool(v) for v in shapely.intersects_xy(district, [p[0] for p in points], [p[1] for p in points])]
    rows = conn.execute(IN_DISTRICT_SQL, {"xs": [p[0] for p in points], "ys": [p[1] for p in points]})
    return [bool(r.inside) for r in rows]
