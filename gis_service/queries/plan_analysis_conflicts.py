"""SQL of the conflict register: every subject feature against the checked layers nearby.

One statement measures every pair in EPSG:4547 (the parcel check's CRS): overlap m², length
inside, containment, distance, and for water the distance from the 禁止开发区 drawn round it.
``:subjects`` limits the subjects to ``collection/id`` keys (NULL = all).
"""
from __future__ import annotations

import json

from sqlalchemy import Connection, text

from gis_service.crs import AREA_EPSG

_SUBJECT_FILTER = "(CAST(:subjects AS text[]) IS NULL OR ('{c}/' || id) = ANY(CAST(:subjects AS text[])))"


def _plan_subject(collection: str, extra: str = "") -> str:
    return (f"SELECT '{collection}' AS collection, id, name, category, plan_ref, geometry_quality, "
            f"NULL::text AS user_use, false AS is_user, ST_Transform(geom, {AREA_EPSG}) AS g "
            f"FROM {collection} WHERE NOT retired AND geom IS NOT NULL {extra} "
            f"AND {_SUBJECT_FILTER.format(c=collection)}")


SUBJECTS = " UNION ALL ".join([
    # Placements at an area's representative point are not sites: they are left out (and counted).
    _plan_subject("projects", "AND location_basis NOT IN ('unlocated', 'area_hint')"),
    _plan_subject("urban_village_sites", "AND location_basis NOT IN ('unlocated', 'area_hint')"),
    _plan_subject("green_corridors"),
    _plan_subject("ecology_sites"),
    f"""SELECT u.collection_id, u.feature_id, coalesce(u.properties ->> 'name', u.feature_id),
               u.properties ->> 'category', u.properties ->> 'plan_ref', 'user', u.properties ->> 'proposed_use',
               true, ST_Transform(u.geom, {AREA_EPSG})
          FROM user_features u WHERE CAST(:with_user AS boolean) AND NOT u.retired AND u.geom IS NOT NULL
           AND (CAST(:subjects AS text[]) IS NULL
                OR (u.collection_id || '/' || u.feature_id) = ANY(CAST(:subjects AS text[])))""",
])

OBJECTS = f"""
  SELECT 'function_zones' AS collection, id, name, zone_class AS kind, geometry_quality, plan_ref,
         ST_Transform(geom, {AREA_EPSG}) AS g
    FROM function_zones WHERE NOT retired AND geom IS NOT NULL AND zone_class IN ('prohibited', 'restricted')
  UNION ALL
  SELECT 'ecology_sites', id, name, category, geometry_quality, plan_ref, ST_Transform(geom, {AREA_EPSG})
    FROM ecology_sites WHERE NOT retired AND geom IS NOT NULL AND category IN ('reservoir', 'forest_park')
  UNION ALL
  SELECT 'green_corridors', id, name, 'river', geometry_quality, plan_ref, ST_Transform(geom, {AREA_EPSG})
    FROM green_corridors WHERE NOT retired AND geom IS NOT NULL AND category IN ('river', 'river_works')
"""

PAIRS_SQL = text(f"""
WITH subjects AS MATERIALIZED ({SUBJECTS}),
prohibited AS MATERIALIZED (
  SELECT (ST_Dump(ST_Transform(geom, {AREA_EPSG}))).geom AS g
    FROM function_zones WHERE NOT retired AND geom IS NOT NULL AND zone_class = 'prohibited'
),
objects AS MATERIALIZED (
  SELECT o.*, z.zone_g,
         CASE WHEN z.zone_g IS NULL THEN 0
              WHEN ST_Dimension(o.g) = 1 THEN ST_Length(ST_Intersection(o.g, z.zone_g)) / NULLIF(ST_Length(o.g), 0)
              ELSE ST_Area(ST_Intersection(o.g, z.zone_g)) / NULLIF(ST_Area(o.g), 0) END AS zoned_fraction,
         CAST(:reach AS jsonb) ->> o.kind AS reach_m,
         CASE WHEN z.zone_g IS NULL THEN o.g ELSE ST_Union(o.g, z.zone_g) END AS reach_g
    FROM ({OBJECTS}) o
    LEFT JOIN LATERAL (
      SELECT ST_Union(p.g) AS zone_g FROM prohibited p WHERE o.kind IN ('river', 'reservoir') AND ST_Intersects(p.g, o.g)
    ) z ON true
),
pairs AS MATERIALIZED (
  SELECT s.*, o.collection AS o_collection, o.id AS o_id, o.name AS o_name, o.kind AS o_kind,
         o.geometry_quality AS o_quality, o.plan_ref AS o_plan_ref, o.zoned_fraction,
         ST_Dimension(s.g) AS dim, o.g AS og, o.zone_g
    FROM subjects s JOIN objects o
      ON ST_DWithin(s.g, o.reach_g, CAST(o.reach_m AS float8))
     AND (o.kind = ANY(CAST(:zone_kinds AS text[])) OR s.is_user OR s.collection = ANY(CAST(:sited AS text[])))
)
SELECT collection, id, name, category, plan_ref, geometry_quality, user_use, is_user, dim,
       o_collection, o_id, o_name, o_kind, o_quality, o_plan_ref, zoned_fraction,
       CASE WHEN dim = 2 THEN ST_Area(g) END AS subject_m2,
       CASE WHEN dim = 1 THEN ST_Length(g) END AS subject_length_m,
       CASE WHEN dim = 2 AND ST_Intersects(g, og) THEN ST_Area(ST_Intersection(g, og)) ELSE 0 END AS overlap_m2,
       CASE WHEN dim = 1 AND ST_Intersects(g, og) THEN ST_Length(ST_Intersection(g, og)) ELSE 0 END AS length_m,
       ST_Covers(og, g) AS covered, ST_Intersects(og, g) AS touches,
       ST_Distance(g, og) AS distance_m,
       CASE WHEN zone_g IS NOT NULL THEN ST_Distance(g, zone_g) END AS zone_distance_m,
       zone_g IS NOT NULL AND ST_Covers(zone_g, g) AS inside_zone,
       ST_AsBinary(ST_Transform(g, 4490)) AS wkb
  FROM pairs ORDER BY collection, id, o_collection, o_id
""")

# How many plan features could not take part (no site of their own).
UNSITED_SQL = text("""
  SELECT (SELECT count(*) FROM projects WHERE NOT retired AND location_basis IN ('unlocated', 'area_hint'))
       + (SELECT count(*) FROM urban_village_sites WHERE NOT retired AND location_basis IN ('unlocated', 'area_hint'))
""")


def fetch_pairs(conn: Connection, subjects: list[str] | None, *, with_user: bool, reach: dict,
                zone_kinds: list[str], sited: list[str]) -> list:
    return conn.execute(PAIRS_SQL, {"subjects": subjects, "with_user": with_user, "reach": json.dumps(reach),
                                    "zone_kinds": zone_kinds, "sited": sited}).mappings().all()


# --- the stored register -----------------------------------------------------------------
OPEN_SQL = text("""SELECT id, conflict_key FROM plan_conflicts WHERE closed_at IS NULL
                     AND (CAST(:subjects AS text[]) IS NULL
                          OR (subject_collection || '/' || subject_id) = ANY(CAST(:subjects AS text[])))""")
CLOSE_SQL = text("UPDATE plan_conflicts SET closed_at = now() WHERE id = ANY(CAST(:ids AS bigint[]))")
UPSERT_SQL = text("""
  INSERT INTO plan_conflicts (conflict_key, rule, hit_type, severity, subject_collection, subject_id,
       subject_name, object_collection, object_id, object_name, proposed_use, overlap_m2, share, length_m,
       distance_m, inconsistency, detail, geom)
  VALUES (:conflict_key, :rule, :hit_type, :severity, :subject_collection, :subject_id, :subject_name,
          :object_collection, :object_id, :object_name, :proposed_use, :overlap_m2, :share, :length_m,
          :distance_m, :inconsistency, CAST(:detail AS jsonb), ST_SetSRID(ST_GeomFromWKB(:wkb), 4490))
  ON CONFLICT (conflict_key) WHERE closed_at IS NULL DO UPDATE SET
       severity = EXCLUDED.severity, subject_name = EXCLUDED.subject_name, object_name = EXCLUDED.object_name,
       proposed_use = EXCLUDED.proposed_use, overlap_m2 = EXCLUDED.overlap_m2, share = EXCLUDED.share,
       length_m = EXCLUDED.length_m, distance_m = EXCLUDED.distance_m, inconsistency = EXCLUDED.inconsistency,
       detail = EXCLUDED.detail, geom = EXCLUDED.geom, last_seen = now()""")

LIST_SQL = """
  SELECT id, conflict_key, rule, hit_type, severity, subject_collection, subject_id, subject_name,
         object_collection, object_id, object_name, proposed_use, overlap_m2, share, length_m, distance_m,
         inconsistency, detail, first_seen, last_seen, closed_at, ST_AsGeoJSON(geom, 7) AS geometry
    FROM plan_conflicts WHERE {where} ORDER BY closed_at IS NOT NULL, severity = 'review', subject_collection,
         subject_id, object_collection, object_id, first_seen"""
