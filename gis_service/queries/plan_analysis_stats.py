"""SQL of the overlay statistics: features of one collection measured against a set of groups.

Areas and lengths are clipped to each group polygon in EPSG:4547. Counts, investment and
completion count each feature in exactly one group: for a progress collection grouped by the
roll-up's units (街道/镇, 片区), the roll-up's own assignment (plan hint first); otherwise the largest
overlap (area, else length), points by containment, ties to the lowest group id.
Groups are given as ``groups(key, name, g)`` with g in EPSG:4547.
"""
from __future__ import annotations

from gis_service.crs import AREA_EPSG

# Ready-made groupings. admin_units: the 街道/镇, never the whole district.
GROUP_SOURCES = {
    "admin_unit": f"SELECT id AS key, name, ST_Transform(geom, {AREA_EPSG}) AS g FROM admin_units "
                  "WHERE NOT retired AND geom IS NOT NULL AND level IS DISTINCT FROM 'district'",
    "sub_area": f"SELECT id AS key, name, ST_Transform(geom, {AREA_EPSG}) AS g FROM sub_areas "
                "WHERE NOT retired AND geom IS NOT NULL",
    "function_zone": f"SELECT id AS key, name, ST_Transform(geom, {AREA_EPSG}) AS g FROM function_zones "
                     "WHERE NOT retired AND geom IS NOT NULL",
}
DRAWN_GROUPS = (f"SELECT g.key, g.name, ST_Transform(ST_SetSRID(ST_GeomFromWKB(g.wkb), 4490), {AREA_EPSG}) AS g "
                "FROM unnest(CAST(:group_keys AS text[]), CAST(:group_names AS text[]), "
                "CAST(:group_wkbs AS bytea[])) AS g(key, name, wkb)")


def collection_groups(table: str, id_sql: str, base_where: str) -> str:
    """A polygon collection's own features as groups."""
    return (f"SELECT {id_sql} AS key, coalesce(t.name, {id_sql}) AS name, ST_Transform(t.geom, {AREA_EPSG}) AS g "
            f"FROM {table} t WHERE {base_where} AND t.geom IS NOT NULL AND ST_Dimension(t.geom) = 2")


def unit_assignment_sql(measured: str = "measured") -> str:
    """The roll-up's location step (``queries.rollup.located_unit_sql``) over ``measured(id, key, a, l)``:
    one group per feature, for groups that are not the roll-up's units."""
    return (f"SELECT DISTINCT ON (id) id, key FROM {measured} "
            f"ORDER BY id, greatest(a, l) DESC, key")


# The roll-up's own assignment (plan hint first), computed by services.progress.rollup and bound.
GIVEN_ASSIGNMENT = ("SELECT a.id, a.key FROM unnest(CAST(:assigned_ids AS text[]), "
                    "CAST(:assigned_keys AS text[])) AS a(id, key)")


def stats_sql(groups_sql: str, table: str, id_sql: str, where: str, progress: bool,
              assigned_sql: str | None = None) -> str:
    """Per group: the unit-rule count (finished, reported, investment) and the clipped area / length.
    Predicates run in EPSG:4490 against the table's spatial index with each group as the outer row
    (so PostGIS reuses the prepared group geometry); only partial overlaps are cut, in EPSG:4547."""
    status = "t.status" if progress else "NULL::text"
    planned = "t.investment_planned_wan" if progress else "NULL::numeric"
    done = "t.investment_completed_wan" if progress else "NULL::numeric"
    return f"""
WITH groups AS MATERIALIZED (SELECT key, name, g, ST_Transform(g, 4490) AS g4490 FROM ({groups_sql}) s),
hits AS MATERIALIZED (
  SELECT {id_sql} AS id, gr.key, ST_Dimension(t.geom) AS dim, ST_Covers(gr.g4490, t.geom) AS covered,
         CASE WHEN ST_Covers(gr.g4490, t.geom) THEN ST_Transform(t.geom, {AREA_EPSG})
              ELSE ST_Intersection(gr.g, ST_Transform(t.geom, {AREA_EPSG})) END AS piece
    FROM groups gr JOIN {table} t ON t.geom && gr.g4490 AND ST_Intersects(gr.g4490, t.geom)
   WHERE {where}
),
measured AS MATERIALIZED (
  SELECT id, key, CASE WHEN dim = 2 THEN ST_Area(piece) ELSE 0 END AS a,
         CASE WHEN dim = 1 THEN ST_Length(piece) ELSE 0 END AS l FROM hits
),
assigned AS ({assigned_sql or unit_assignment_sql()}),
counted AS (
  SELECT a.key, count(*) AS n, count(*) FILTER (WHERE f.status = ANY(CAST(:finished AS text[]))) AS finished,
         count(*) FILTER (WHERE f.status IS NOT NULL AND f.status <> 'unknown') AS reported,
         sum(f.planned) AS planned, sum(f.done) AS done
    FROM assigned a JOIN (SELECT {id_sql} AS id, {status} AS status, {planned} AS planned, {done} AS done
                            FROM {table} t WHERE {where}) f USING (id)
   GROUP BY a.key
),
sized AS (SELECT key, sum(a) AS area_m2, sum(l) AS length_m FROM measured GROUP BY key)
SELECT gr.key, gr.name, coalesce(c.n, 0) AS count, coalesce(c.finished, 0) AS finished,
       coalesce(c.reported, 0) AS reported, c.planned, c.done,
       coalesce(s.area_m2, 0) AS area_m2, coalesce(s.length_m, 0) AS length_m
  FROM groups gr LEFT JOIN counted c USING (key) LEFT JOIN sized s USING (key) ORDER BY gr.key"""


def filtered_ids_sql(table: str, id_sql: str, where: str) -> str:
    return f"SELECT {id_sql} AS id, t.geom IS NULL AS unlocated FROM {table} t WHERE {where}"


def located_sql(table: str, where: str) -> str:
    """Features with and without a geometry (those in no group = located − assigned)."""
    return (f"SELECT count(*) FILTER (WHERE t.geom IS NULL) AS unlocated, "
            f"count(*) FILTER (WHERE t.geom IS NOT NULL) AS located FROM {table} t WHERE {where}")

# Inside 城区? The whole district's polygon, for the drawn-group check.
DISTRICT_OVERLAP_SQL = f"""
SELECT coalesce(max(ST_Area(ST_Intersection(ST_Transform(a.geom, {AREA_EPSG}),
                    ST_Transform(ST_SetSRID(ST_GeomFromWKB(:wkb), 4490), {AREA_EPSG})))), 0) AS inside_m2,
       ST_Area(ST_Transform(ST_SetSRID(ST_GeomFromWKB(:wkb), 4490), {AREA_EPSG})) AS area_m2
  FROM admin_units a WHERE NOT a.retired AND a.level = 'district'"""
