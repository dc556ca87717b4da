"""What /healthz reports: the PostGIS version and each collection's count and data version."""
from __future__ import annotations

from sqlalchemy import Connection, text


def health_rows(conn: Connection) -> tuple[str, list]:
    postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
    rows = conn.execute(text("SELECT collection_id, feature_count, data_version FROM layer_meta ORDER BY 1")).all()
    return postgis, rows
