"""SQL of the site search: candidate polygons in an area range, the parts of their score measured in
EPSG:4547 (share inside 重点开发区, distance to a point) and normalised over the candidates, best first."""
from __future__ import annotations

from gis_service.crs import AREA_EPSG

_SOURCES = {
    "parcels": ("SELECT id, land_use_name AS label, synthetic, geom FROM parcels "
                "WHERE NOT retired AND geom IS NOT NULL"),
    "user": ("SELECT feature_id AS id, coalesce(properties ->> 'name', feature_id) AS label, false AS synthetic, geom "
             "FROM user_features WHERE collection_id = :source_id AND NOT retired AND geom IS NOT NULL "
             "AND ST_Dimension(geom) = 2"),
}


def candidates_sql(source: str, unit_filter: bool) -> str:
    unit = ("AND ST_Covers((SELECT geom FROM admin_units WHERE id = :unit AND NOT retired "
            "UNION ALL SELECT geom FROM sub_areas WHERE id = :unit AND NOT retired LIMIT 1), "
            "ST_PointOnSurface(c.geom))") if unit_filter else ""
    source_table = "parcels" if source == "parcels" else "user_features"
    return f"""
WITH key AS MATERIALIZED (
  SELECT ST_Union(geom) AS g4490, ST_Union(ST_Transform(geom, {AREA_EPSG})) AS g FROM function_zones
   WHERE NOT retired AND geom IS NOT NULL AND zone_class = 'key'
),
cands AS MATERIALIZED (
  SELECT c.id, c.label, c.synthetic, c.geom, ST_Transform(c.geom, {AREA_EPSG}) AS g
    FROM ({_SOURCES[source]}) c WHERE true {unit}
),
raw AS (
  -- The key-zone test runs in EPSG:4490 (bbox first, the zone prepared once); only parcels
  -- cut by the zone's edge are intersected, in EPSG:4547.
  SELECT c.id, c.label, c.synthetic, ST_Area(c.g) AS area_m2,
         CASE WHEN k.g4490 IS NULL OR NOT (c.geom && k.g4490) OR NOT ST_Intersects(k.g4490, c.geom) THEN 0
              WHEN ST_Covers(k.g4490, c.geom) THEN 1
              ELSE ST_Area(ST_Intersection(c.g, k.g)) / NULLIF(ST_Area(c.g), 0) END AS key_share,
         ST_Distance(c.g, ST_Transform(ST_SetSRID(ST_MakePoint(:centre_x, :centre_y), 4490), {AREA_EPSG})) AS centre_m,
         CASE WHEN CAST(:project AS text) IS NULL THEN NULL ELSE
              ST_Distance(c.g, (SELECT ST_Transform(geom, {AREA_EPSG}) FROM projects WHERE id = :project)) END AS project_m
    FROM cands c CROSS JOIN key k
   WHERE ST_Area(c.g) BETWEEN :area_min AND :area_max
),
parts AS (
  SELECT r.*, count(*) OVER () AS considered,
         least(greatest(coalesce(r.key_share, 0), 0), 1) AS key_part,
         {_nearness("centre_m")} AS centre_part, {_nearness("project_m")} AS project_part
    FROM raw r
),
ranked AS (
  SELECT p.*, (:w_key_share * key_part + :w_centre * centre_part + :w_project * project_part) / :w_total AS score
    FROM parts p
)
-- The geometry is read per fetched row only, after the sort (an expensive target is evaluated
-- above it), so the cursor stops reading once enough candidates pass.
SELECT r.*, (SELECT ST_AsBinary(s.geom) FROM {source_table} s WHERE {_key(source)}) AS wkb
  FROM ranked r ORDER BY r.score DESC, r.id"""


def _key(source: str) -> str:
    return "s.id = r.id" if source == "parcels" else "s.collection_id = :source_id AND s.feature_id = r.id"


def _nearness(column: str) -> str:
    """1 − (d − d_min) / (d_max − d_min) over the candidates; 1 when all are equal, 0 when unknown."""
    low, high = f"min({column}) OVER ()", f"max({column}) OVER ()"
    return (f"CASE WHEN {column} IS NULL THEN 0 WHEN {high} = {low} THEN 1 "
            f"ELSE 1 - ({column} - {low}) / ({high} - {low}) END")


PROJECT_SITE_SQL = "SELECT name, geom IS NOT NULL AS located FROM projects WHERE id = :project AND NOT retired"
USER_LAYER_SQL = "SELECT 1 FROM layer_meta WHERE collection_id = :c AND kind = 'user'"
