"""SQL for the plan-wide analyses: the history window and the comparison of two dates."""
from __future__ import annotations

from gis_service.crs import AREA_EPSG
from gis_service.queries.progress import table_at_sql
from gis_service.queries.rollup import located_unit_sql

PLACED = "coalesce(p.r4490, p.l4490)"  # the newer state places a feature in its unit

# The first seed load: before it the system holds no data ("a date before the data").
FIRST_LOAD_SQL = "SELECT min(recorded_at) FROM progress_events WHERE action = 'load'"


def compare_sql(collection_id: str, area_filter: str = "") -> str:
    """Both states of every feature with history between the two cutoffs (``:cut_l`` < t ≤ ``:cut_r``),
    with areas / lengths in EPSG:4547 and the unit (街道 / 片区) by the one unit rule."""
    ids = ("SELECT DISTINCT feature_id FROM progress_events WHERE collection_id = :state_cid "
           "AND recorded_at > :cut_l AND recorded_at <= :cut_r")
    left, right = table_at_sql(collection_id, "cut_l"), table_at_sql(collection_id, "cut_r")
    return f"""
WITH ids AS MATERIALIZED ({ids}),
l AS MATERIALIZED (SELECT * FROM ({left} WHERE t.id IN (SELECT feature_id FROM ids)) s),
r AS MATERIALIZED (SELECT * FROM ({right} WHERE t.id IN (SELECT feature_id FROM ids)) s),
pairs AS (
  SELECT coalesce(r.id, l.id) AS id, to_jsonb(l) - 'geom' AS lv, to_jsonb(r) - 'geom' AS rv,
         ST_Transform(l.geom, {AREA_EPSG}) AS lg, ST_Transform(r.geom, {AREA_EPSG}) AS rg,
         l.geom AS l4490, r.geom AS r4490
    FROM l FULL JOIN r ON l.id = r.id
)
SELECT p.id, p.lv, p.rv,
       ST_Area(p.lg) AS l_area, ST_Area(p.rg) AS r_area, ST_Length(p.lg) AS l_length, ST_Length(p.rg) AS r_length,
       p.l4490 IS DISTINCT FROM p.r4490 AND NOT coalesce(ST_Equals(p.l4490, p.r4490), false) AS geometry_changed,
       ST_AsGeoJSON(coalesce(p.r4490, p.l4490), 7) AS geometry,
       {located_unit_sql('admin_units', geom=PLACED)} AS admin_unit,
       {located_unit_sql('sub_areas', geom=PLACED)} AS sub_area
  FROM pairs p WHERE true {area_filter}
 ORDER BY p.id"""



# A unit's polygon, for ``unit=`` (街道 / 镇 or 片区).
UNIT_GEOMETRY_SQL = """SELECT geom FROM admin_units WHERE id = :unit AND NOT retired
                       UNION ALL SELECT geom FROM sub_areas WHERE id = :unit AND NOT retired LIMIT 1"""
UNIT_NAMES_SQL = """SELECT 'admin_unit' AS kind, id, name FROM admin_units WHERE NOT retired
                    AND level IS DISTINCT FROM 'district'
                    UNION ALL SELECT 'sub_area', id, name FROM sub_areas WHERE NOT retired"""
