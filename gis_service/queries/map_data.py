"""SQL behind the map pages: unlocated items, the undesignated remainder of 城区, data versions,
and frames for static maps (progress by unit comes from ``queries.rollup``).

Identifiers come from PLAN_MODELS or constants here, never from a request.
"""
from __future__ import annotations

from gis_service.db.models import PLAN_MODELS
from gis_service.queries.rollup import DISTRICT_LEVEL


def unlocated_sql(collection_ids: list[str]) -> str:
    """Items the plan names without a place, across the given plan collections."""
    parts = [f"SELECT '{cid}' AS collection_id, id, name, plan_ref, area_hint FROM {cid} "
             f"WHERE NOT retired AND location_basis = 'unlocated'"
             for cid in collection_ids if cid in PLAN_MODELS]
    return " UNION ALL ".join(parts) + " ORDER BY collection_id, plan_ref NULLS LAST, name"


DATA_VERSIONS_SQL = """
    SELECT coalesce(string_agg(collection_id || ':' || data_version, ',' ORDER BY collection_id), ''),
           max(updated_at)
      FROM layer_meta WHERE kind = 'plan'"""

DEMO_SQL = " OR ".join(
    f"EXISTS (SELECT 1 FROM {cid} WHERE NOT retired AND (properties ->> 'demo_progress')::boolean)"
    for cid in ("projects", "urban_village_sites", "ecology_sites", "green_corridors"))
DEMO_SQL = f"SELECT {DEMO_SQL}"

# 城区 minus every function zone: land the plan does not designate.
UNDESIGNATED_SQL = f"""
    SELECT ST_AsGeoJSON(ST_SimplifyPreserveTopology(
               ST_CollectionExtract(ST_Difference(d.geom, coalesce(z.geom, 'GEOMETRYCOLLECTION EMPTY'::geometry)), 3),
               :tolerance), 6) AS geometry,
           ST_Area(ST_Transform(ST_Difference(d.geom, coalesce(z.geom, 'GEOMETRYCOLLECTION EMPTY'::geometry)),
                                4547)) AS area_m2
      FROM admin_units d,
           LATERAL (SELECT ST_Union(geom) AS geom FROM function_zones WHERE NOT retired) z
     WHERE d.level = '{DISTRICT_LEVEL}' AND NOT d.retired"""


def frame_sql(collection_id: str) -> str:
    """Rows for a static map: id, name, category, class and status, WKB in EPSG:4490."""
    model = PLAN_MODELS[collection_id]
    columns = model.__table__.columns
    zone_class = "zone_class" if "zone_class" in columns else "NULL::text"
    status = "status" if "status" in columns else "NULL::text"
    level = "level" if "level" in columns else "NULL::text"
    return (f"SELECT id, name, category, {zone_class} AS zone_class, {status} AS status, {level} AS level, "
            f"location_basis, ST_AsBinary(geom) AS wkb FROM {collection_id} "
            f"WHERE NOT retired AND geom IS NOT NULL ORDER BY id")


# The Asia/Shanghai days on which progress was recorded (loads included), oldest first:
# the stops of the progress page's timeline.
PROGRESS_DAYS_SQL = """
    SELECT DISTINCT (recorded_at AT TIME ZONE 'Asia/Shanghai')::date AS day FROM progress_events
     WHERE collection_id = ANY(CAST(:collections AS text[])) ORDER BY day"""
