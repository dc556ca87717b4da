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
    return f"""
WITH key AS MATERIALIZED (
  SELECT ST_Union(ST_Transform(geom, {AREA_EPSG})) AS g FROM function_zones
   WHERE NOT retired AND geom IS NOT NULL AND zone_class = 'key'
),
cands AS MATERIALIZED (
  SELECT c.id, c.label, c.synthetic, c.geom, ST_Transform(c.geom, {AREA_EPSG}) AS g
    FROM ({_SOURCES[source]}) c WHERE true {unit}
),
raw AS (
  SELECT c.id, c.label, c.synthetic, c.geom, ST_Area(c.g) AS area_m2,
         CASE WHEN k.g IS NULL OR NOT (c.g && k.g) THEN 0
              WHEN ST_Covers(k.g, c.g) THEN 1
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
)
SELECT id, label, synthetic, ST_AsBinary(geom) AS wkb, area_m2, key_share, centre_m, project_m, considered,
       key_part, centre_part, project_part,
       (:w_key_share * key_part + :w_centre * centre_part + :w_project * project_part) / :w_total AS score
  FROM parts ORDER BY score DESC, id"""


def _nearness(column: str) -> str:
    """1 − (d − d_min) / (d_max − d_min) over the candidates; 1 when all are equal, 0 when unknown."""
    low, high = f"min({column}) OVER ()", f"max({column}) OVER ()"
    return (f"CASE WHEN {column} IS NULL THEN 0 WHEN {high} = {low} THEN 1 "
            f"ELSE 1 - ({column} - {low}) / ({high} - {low}) END")


PROJECT_SITE_SQL = "SELECT name, geom IS NOT NULL AS located FROM projects WHERE id = :project AND NOT retired"
USER_LAYER_SQL = "SELECT 1 FROM layer_meta WHERE collection_id = :c AND kind = 'user'"
