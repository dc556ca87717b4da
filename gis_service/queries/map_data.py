"""SQL behind the map pages: progress items placed in units, unlocated items,
the undesignated remainder of 城区, data versions, and frames for static maps.

Identifiers come from PLAN_MODELS or constants here, never from a request.
"""
from __future__ import annotations

import datetime as dt

from gis_service.db.models import PLAN_MODELS
from gis_service.queries.progress import progress_state_sql

DISTRICT_ID = "chengqu"

# An item's reference point: its own geometry, else the seat of the admin unit
# the plan names (so unlocated items still count towards their unit).
_POINT = ("coalesce(ST_PointOnSurface(t.geom), (SELECT ST_PointOnSurface(a.geom) FROM admin_units a "
          "WHERE a.id = t.properties ->> 'admin_unit' AND NOT a.retired))")


def progress_items_sql(collection_id: str, as_of: dt.date | None) -> tuple[str, dict]:
    """One row per non-retired item of a progress collection, with its state at ``as_of``,
    its admin unit and 片区 (by reference point) and, when located, a marker position."""
    state_sql, params = progress_state_sql(collection_id, as_of)
    sql = f"""
        SELECT t.id, t.name, t.category, t.plan_ref, t.properties ->> 'zhuanlan' AS zhuanlan,
               t.geometry_quality, t.location_basis,
               coalesce((t.properties ->> 'demo_progress')::boolean, false) AS demo,
               s.status, s.percent_complete, s.status_date,
               CASE WHEN t.geom IS NOT NULL THEN ST_X(p.pt) END AS lon,
               CASE WHEN t.geom IS NOT NULL THEN ST_Y(p.pt) END AS lat,
               au.id AS admin_unit, sa.id AS sub_area
          FROM {collection_id} t
          JOIN ({state_sql}) s ON s.id = t.id
          CROSS JOIN LATERAL (SELECT {_POINT} AS pt) p
          LEFT JOIN LATERAL (SELECT a.id FROM admin_units a
                              WHERE NOT a.retired AND a.id <> '{DISTRICT_ID}' AND ST_Intersects(a.geom, p.pt)
                              ORDER BY a.id LIMIT 1) au ON true
          LEFT JOIN LATERAL (SELECT b.id FROM sub_areas b
                              WHERE NOT b.retired AND ST_Intersects(b.geom, p.pt)
                              ORDER BY b.id LIMIT 1) sa ON true
         WHERE NOT t.retired
         ORDER BY t.id"""
    return sql, params


UNITS_SQL = f"""
    SELECT 'admin_units' AS kind, id, name FROM admin_units WHERE NOT retired AND id <> '{DISTRICT_ID}'
    UNION ALL
    SELECT 'sub_areas', id, name FROM sub_areas WHERE NOT retired
    ORDER BY 1, 2"""


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
     WHERE d.id = '{DISTRICT_ID}'"""


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
