"""Batch jobs, set-based: rows staged with COPY, checked straight from the staging table, and
their reports stored with COPY, one statement per step for a whole chunk of rows.

The check itself is ``analysis.check_sql``, the same statement the single check runs.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text

from gis_service.crs import AREA_EPSG
from gis_service.queries.analysis import check_sql

# The next pending rows of one job, straight from the staging table.
STAGED_INPUT = f"""
  SELECT r.row_number AS ord, r.geom AS g4490, ST_Transform(r.geom, {AREA_EPSG}) AS g,
         jsonb_build_object('attributes', r.attributes, 'proposed_use', r.proposed_use,
                            'wkb', encode(ST_AsBinary(r.geom), 'hex')) AS extra
    FROM parcel_check_job_rows r
   WHERE r.job_id = :job AND r.report_id IS NULL AND r.result IS NULL AND r.error IS NULL
   ORDER BY r.row_number LIMIT :limit
"""
STAGED_CHECK_SQL = text(check_sql(STAGED_INPUT))

_ROW_COLUMNS = "(job_id, row_number, attributes, geom, error, proposed_use)"

_REPORTS_TEMP = ("CREATE TEMP TABLE IF NOT EXISTS batch_reports (row_number int PRIMARY KEY, id text, "
                 "verdict text, result jsonb) ON COMMIT DELETE ROWS")
_INSERT_REPORTS = text(
    "INSERT INTO parcel_check_reports (id, created_at, actor, proposed_use, input_crs, verdict, geom, result, "
    "data_versions) SELECT s.id, :created_at, :actor, r.proposed_use, :crs, s.verdict, r.geom, s.result, "
    "CAST(:versions AS jsonb) FROM batch_reports s JOIN parcel_check_job_rows r "
    "ON r.job_id = :job AND r.row_number = s.row_number")
_LINK_ROWS = text(
    "UPDATE parcel_check_job_rows r SET report_id = s.id, verdict = s.verdict FROM batch_reports s "
    "WHERE r.job_id = :job AND r.row_number = s.row_number")


def _copy(conn: Connection, statement: str, rows: Iterable[tuple]) -> None:
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def stage_rows(conn: Connection, job_id: str, rows: Iterable[tuple]) -> None:
    """COPY (row_number, attributes JSON, EWKB hex | None, error JSON | None, use) into the job's rows."""
    _copy(conn, f"COPY parcel_check_job_rows {_ROW_COLUMNS} FROM STDIN",
          ((job_id, *row) for row in rows))


def staged_check(conn: Connection, job_id: str, limit: int, nearby_m: float = 500.0) -> list:
    """The check of the job's next ``limit`` pending rows, as ``analysis.check_chunk`` answers it."""
    return conn.execute(STAGED_CHECK_SQL, {"job": job_id, "limit": limit, "nearby_m": nearby_m}).mappings().all()


def store_row_reports(conn: Connection, job_id: str, reports: Iterable[tuple[int, str, str, str]], *,
                      created_at, actor: str, crs: str, versions_json: str) -> None:
    """Store (row_number, report id, verdict, report JSON) as reports and link the job rows to them."""
    conn.execute(text(_REPORTS_TEMP))
    _copy(conn, "COPY batch_reports (row_number, id, verdict, result) FROM STDIN", reports)
    params = {"job": job_id, "created_at": created_at, "actor": actor, "crs": crs, "versions": versions_json}
    conn.execute(_INSERT_REPORTS, params)
    conn.execute(_LINK_ROWS, {"job": job_id})
    conn.execute(text("DELETE FROM batch_reports"))  # the next chunk may share this transaction
