"""SQL for features editors create: the insert, and the 城区 containment check."""
from __future__ import annotations

from gis_service.queries.progress import plan_table

# The district boundary is digitised from the plan's maps; a created feature may reach
# this far past it (metres) before it counts as outside 城区.
DISTRICT_TOLERANCE_M = 50

INSIDE_DISTRICT = f"""
    SELECT count(*) AS districts,
           bool_and(ST_CoveredBy(ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4490),
                    ST_SetSRID(ST_Buffer(d.geom::geography, {DISTRICT_TOLERANCE_M})::geometry, 4490))) AS inside
      FROM admin_units d WHERE d.category = 'district' AND NOT d.retired"""

INSERT_USER_FEATURE = """
    INSERT INTO user_features (collection_id, feature_id, properties, geom)
    VALUES (:collection_id, :fid, CAST(:properties AS jsonb), ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4490))
    ON CONFLICT (collection_id, feature_id) DO NOTHING RETURNING version"""

ID_TAKEN_USER = "SELECT 1 FROM user_features WHERE collection_id = :collection_id AND feature_id = :fid"


def insert_plan_sql(collection_id: str, columns: list[str]) -> str:
    """One new row marked as created by an editor; nothing if the id exists (retired or not)."""
    table = plan_table(collection_id)
    known = {c.name for c in table.columns}
    names = [c for c in columns if c in known]
    values = ", ".join(f":{c}" for c in names)
    return (f"INSERT INTO {table.name} ({', '.join(names)}, geom, origin) "
            f"VALUES ({values}, ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4490), 'editor') "
            f"ON CONFLICT (id) DO NOTHING RETURNING version")
