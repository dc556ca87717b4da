"""The plan layers as the parcel check measures them, kept between checks under their stamp.

Every check statement needs the same few dozen plan features in EPSG:4547, with the screening
features' 禁止开发区 parts and zoned fractions: building them was about half of a single check's
SQL. ``check_polys``, ``check_screen`` and ``check_points`` keep them under the stamp of the
layers' versions they were built from. A check reads them only when that stamp is its own, in the
same snapshot, and else builds them in the statement as before, so a kept set is never stale.
A check that writes anyway (it stores reports) keeps the set it had to build (``keep_layers``).
"""
from __future__ import annotations

from sqlalchemy import Connection, text

from gis_service.crs import AREA_EPSG

# Polygon layers whose overlap with a parcel is measured. ``kind`` is what the rules key on.
_POLYGON_LAYERS = f"""
  SELECT 'function_zones' AS layer, id, name, zone_class AS kind, geometry_quality, location_basis,
         plan_ref, ST_Transform(geom, {AREA_EPSG}) AS g
    FROM function_zones WHERE NOT retired AND geom IS NOT NULL
  UNION ALL
  SELECT 'ecology_sites', id, name, category, geometry_quality, location_basis, plan_ref,
         ST_Transform(geom, {AREA_EPSG})
    FROM ecology_sites WHERE NOT retired AND geom IS NOT NULL
  UNION ALL
  SELECT 'urban_village_sites', id, name, 'urban_village', geometry_quality, location_basis, plan_ref,
         ST_Transform(geom, {AREA_EPSG})
    FROM urban_village_sites WHERE NOT retired AND geom IS NOT NULL
  UNION ALL
  SELECT 'admin_units', id, name, level, geometry_quality, location_basis, plan_ref,
         ST_Transform(geom, {AREA_EPSG})
    FROM admin_units WHERE NOT retired AND geom IS NOT NULL
  UNION ALL
  SELECT 'sub_areas', id, name, 'sub_area', geometry_quality, location_basis, plan_ref,
         ST_Transform(geom, {AREA_EPSG})
    FROM sub_areas WHERE NOT retired AND geom IS NOT NULL
"""

# Features with screening buffers or reported distances.
_SCREEN_FEATURES = f"""
  SELECT 'green_corridors' AS layer, id, name,
         CASE WHEN category IN ('river', 'river_works') THEN 'river' ELSE 'green_corridor' END AS kind,
         geometry_quality, plan_ref, ST_Transform(geom, {AREA_EPSG}) AS g
    FROM green_corridors WHERE NOT retired AND geom IS NOT NULL
  UNION ALL
  SELECT 'ecology_sites', id, name, category, geometry_quality, plan_ref, ST_Transform(geom, {AREA_EPSG})
    FROM ecology_sites
   WHERE NOT retired AND geom IS NOT NULL AND category IN ('reservoir', 'forest_park')
  UNION ALL
  SELECT 'function_zones', id, name, 'restricted_zone', geometry_quality, plan_ref,
         ST_Transform(geom, {AREA_EPSG})
    FROM function_zones WHERE NOT retired AND geom IS NOT NULL AND zone_class = 'restricted'
"""

# Points of the plan near a parcel; placements at an area's representative point are not real
# locations, so they are left out (the report says so).
_NEARBY_FEATURES = f"""
  SELECT 'projects' AS layer, id, name, category, geometry_quality, location_basis, status,
         ST_Transform(geom, {AREA_EPSG}) AS g
    FROM projects
   WHERE NOT retired AND geom IS NOT NULL AND location_basis NOT IN ('unlocated', 'area_hint')
  UNION ALL
  SELECT 'urban_village_sites', id, name, category, geometry_quality, location_basis, status,
         ST_Transform(geom, {AREA_EPSG})
    FROM urban_village_sites
   WHERE NOT retired AND geom IS NOT NULL AND location_basis NOT IN ('unlocated', 'area_hint')
"""


# Every write to a layer bumps its data_version and updated_at in the writer's transaction, so
# this stamp names the layers' content exactly. ``:layers``: queries.analysis.CHECKED_LAYERS.
STAMP_CTE = """stamp AS MATERIALIZED (
  SELECT json_agg(json_build_array(collection_id, data_version, updated_at) ORDER BY collection_id)::text AS stamp
    FROM layer_meta WHERE collection_id = ANY(CAST(:layers AS text[]))
),"""

# Each layer feature gets an index (its place in layer, id order); the pairs carry only the index
# and their numbers, and the first row carries the features once (``catalog``).
_LIVE = {
    "polys": f"""
  SELECT (row_number() OVER (ORDER BY layer, id))::int - 1 AS idx, u.* FROM ({_POLYGON_LAYERS}) u""",
    "screen": f"""
  SELECT (row_number() OVER (ORDER BY s.layer, s.id))::int - 1 AS idx, s.*, z.zone_g,
         CASE WHEN z.zone_g IS NULL THEN 0
              WHEN ST_Dimension(s.g) = 1
                THEN ST_Length(ST_Intersection(s.g, z.zone_g)) / NULLIF(ST_Length(s.g), 0)
              ELSE ST_Area(ST_Intersection(s.g, z.zone_g)) / NULLIF(ST_Area(s.g), 0) END AS zoned_fraction
    FROM ({_SCREEN_FEATURES}) s
    LEFT JOIN LATERAL (
      -- The 禁止开发区 parts drawn round this feature (water + ring, river corridor).
      SELECT ST_Union(p.g) AS zone_g FROM prohibited p
       WHERE s.kind IN ('river', 'reservoir') AND ST_Intersects(p.g, s.g)
    ) z ON true""",
    "points": f"""
  SELECT (row_number() OVER (ORDER BY u.layer, u.id))::int - 1 AS idx, u.* FROM ({_NEARBY_FEATURES}) u""",
}
_COLUMNS = {
    "polys": "idx, layer, id, name, kind, geometry_quality, location_basis, plan_ref, g",
    "screen": "idx, layer, id, name, kind, geometry_quality, plan_ref, g, zone_g, zoned_fraction",
    "points": "idx, layer, id, name, category, geometry_quality, location_basis, status, g",
}
_PROHIBITED = f"""prohibited AS MATERIALIZED (
  SELECT (ST_Dump(ST_Transform(geom, {AREA_EPSG}))).geom AS g
    FROM function_zones WHERE NOT retired AND geom IS NOT NULL AND zone_class = 'prohibited'
),"""


def _kept_or_live(name: str, cte: str) -> str:
    # The live branch sits behind a one-time filter: not run at all when the kept set is the stamp's.
    return f"""{cte} AS MATERIALIZED (
  SELECT {_COLUMNS[name]} FROM check_{name} WHERE stamp = (SELECT stamp FROM stamp)
  UNION ALL
  SELECT {_COLUMNS[name]} FROM ({_LIVE[name]}) live WHERE NOT (SELECT hit FROM kept)
),"""


LAYER_CTES = f"""kept AS MATERIALIZED (
  SELECT EXISTS (SELECT 1 FROM check_polys WHERE stamp = (SELECT stamp FROM stamp)) AS hit
),
{_PROHIBITED}
{_kept_or_live("polys", "polys")}
{_kept_or_live("screen", "screen")}
{_kept_or_live("points", "points_set")}
-- The box: a cheap test that every point within :nearby_m of a parcel passes.
points AS MATERIALIZED (SELECT p.*, ST_Expand(p.g, :nearby_m) AS box FROM points_set p),"""

# One statement, so the stamp and the rows kept under it come from one snapshot. The try-lock
# leaves the work to whichever check got there first; the others used their live rows already.
# A statement whose snapshot predates the commit of another keeper can still get the lock after
# it: its DELETE does not see the rows just kept, so a row of the same stamp is skipped, not
# inserted twice (the other keeper's set for that stamp is complete: one transaction wrote it).
_KEEP_SQL = text(f"""
WITH {STAMP_CTE}
lock AS MATERIALIZED (SELECT pg_try_advisory_xact_lock(hashtext('gis_service.check_layers')) AS ok),
{_PROHIBITED}
gone_polys AS (DELETE FROM check_polys WHERE (SELECT ok FROM lock)),
gone_screen AS (DELETE FROM check_screen WHERE (SELECT ok FROM lock)),
gone_points AS (DELETE FROM check_points WHERE (SELECT ok FROM lock)),
new_polys AS (INSERT INTO check_polys (stamp, {_COLUMNS["polys"]})
  SELECT (SELECT stamp FROM stamp), {_COLUMNS["polys"]} FROM ({_LIVE["polys"]}) l WHERE (SELECT ok FROM lock)
  ON CONFLICT DO NOTHING),
new_screen AS (INSERT INTO check_screen (stamp, {_COLUMNS["screen"]})
  SELECT (SELECT stamp FROM stamp), {_COLUMNS["screen"]} FROM ({_LIVE["screen"]}) l WHERE (SELECT ok FROM lock)
  ON CONFLICT DO NOTHING)
INSERT INTO check_points (stamp, {_COLUMNS["points"]})
  SELECT (SELECT stamp FROM stamp), {_COLUMNS["points"]} FROM ({_LIVE["points"]}) l WHERE (SELECT ok FROM lock)
  ON CONFLICT DO NOTHING
""")


def keep_layers(conn: Connection, kept: bool | None, layers: list[str]) -> None:
    """In a check's writing transaction on the primary: keep the layers the check had to build
    (``kept`` is False) for the checks after it. The DELETE sees the statement's snapshot, so it
    never removes the rows its own INSERTs add."""
    if kept is False:
        conn.execute(_KEEP_SQL, {"layers": layers})
