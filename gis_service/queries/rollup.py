"""SQL of the progress roll-up: the units features count in, and one row per progress feature
with everything placing and counting it needs. The rule itself is documented once, in
``gis_service.services.progress.rollup``; ``located_unit_sql`` is its location step.

Identifiers come from PLAN_MODELS or constants here, never from a request.
"""
from __future__ import annotations

import datetime as dt

from gis_service.crs import AREA_EPSG
from gis_service.queries.progress import plan_table, table_as_of_sql

DISTRICT_LEVEL = "district"  # admin_units.level of 城区 itself, which is never a unit of a roll-up
UNIT_TABLES = ("admin_units", "sub_areas")


def located_unit_sql(unit_table: str, alias: str = "t", geom: str | None = None) -> str:
    """The unit sharing most of ``alias.geom``: largest overlap in EPSG:4547 (area, or length for
    lines; a point overlaps only the units containing it), ties to the lowest id, never the district.
    ``geom`` is an SQL expression in EPSG:4490 to place instead of ``alias.geom``."""
    g = geom or f"{alias}.geom"
    district = f"AND u.level IS DISTINCT FROM '{DISTRICT_LEVEL}'" if unit_table == "admin_units" else ""
    return (f"(SELECT u.id FROM {unit_table} u "
            f"CROSS JOIN LATERAL (SELECT ST_Transform(ST_Intersection(u.geom, {g}), {AREA_EPSG}) AS g) i "
            f"WHERE NOT u.retired {district} AND u.geom && {g} AND ST_Intersects(u.geom, {g}) "
            f"ORDER BY greatest(ST_Area(i.g), ST_Length(i.g)) DESC, u.id LIMIT 1)")


UNITS_SQL = f"""
    SELECT 'admin_unit' AS kind, id, name, NULL::jsonb AS members FROM admin_units
     WHERE NOT retired AND level IS DISTINCT FROM '{DISTRICT_LEVEL}'
    UNION ALL
    SELECT 'sub_area', id, name, properties -> 'admin_units' FROM sub_areas WHERE NOT retired
    ORDER BY 1, 2"""


def rollup_rows_sql(collection_id: str, as_of: dt.date | None) -> tuple[str, dict]:
    """One row per live feature of a progress collection as recorded at the end of ``as_of``
    (now when None): the plan's hints, the located units, state, investment and a marker point."""
    table = plan_table(collection_id).name
    source, params = (table, {}) if as_of is None else table_as_of_sql(collection_id, as_of)
    source = source if as_of is None else f"({source})"
    sql = f"""
        SELECT '{collection_id}' AS collection_id, t.id, t.name, t.category, t.plan_ref, t.area_hint,
               t.properties ->> 'zhuanlan' AS zhuanlan, t.properties ->> 'admin_unit' AS admin_hint,
               t.geometry_quality, t.location_basis, t.status, t.percent_complete, t.status_date,
               t.investment_planned_wan, t.investment_completed_wan,
               coalesce((t.properties ->> 'demo_progress')::boolean, false) AS demo,
               t.geom IS NULL AS unlocated,
               ST_X(ST_PointOnSurface(t.geom)) AS lon, ST_Y(ST_PointOnSurface(t.geom)) AS lat,
               {located_unit_sql('admin_units')} AS located_admin_unit,
               {located_unit_sql('sub_areas')} AS located_sub_area
          FROM {source} t WHERE NOT t.retired ORDER BY t.id"""
    return sql, params
