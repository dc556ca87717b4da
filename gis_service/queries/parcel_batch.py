"""Batch jobs, set-based: rows staged with COPY, checked straight from the staging table, and
their reports stored with COPY, one statement per step for a whole chunk of rows.

The check itself is ``analysis.check_sql``, the same statement the single check runs.
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text

from gis_service.crs import AREA_EPSG
from gis_service.queries.analysis import Checked, check_sql, run_check

# The next pending rows of one job, straight from the staging table.
STAGED_INPUT = f"""
  SELECT r.row_number AS ord, r.geom AS g4490, ST_Transform(r.geom, {AREA_EPSG}) AS g,
         jsonb_build_object('attributes', r.attributes, 'proposed_use', r.proposed_use,
                            'wkb', encode(ST_AsBinary(r.geom), 'hex')) AS extra
    FROM parcel_check_job_rows r
   WHERE r.job_id = :job AND r.report_id IS NULL AND r.result IS NULL AND r.error IS NULL
     AND r.row_number % :lanes = :lane AND r.row_number > :after
   ORDER BY r.row_number LIMIT :limit
"""
STAGED_CHECK_SQL = text(check_sql(STAGED_INPUT))

_ROW_COLUMNS = "(job_id, row_number, attributes, geom, error, proposed_use)"

_REPORT_COLUMNS = "(id, created_at, actor, proposed_use, input_crs, verdict, geom, result, data_versions)"
_LINK_ROWS = text(
    "UPDATE parcel_check_job_rows r SET report_id = t.id, verdict = t.verdict "
    "FROM unnest(CAST(:rows AS int[]), CAST(:ids AS text[]), CAST(:verdicts AS text[])) AS t(n, id, verdict) "
    "WHERE r.job_id = :job AND r.row_number = t.n")


def _copy(conn: Connection, statement: str, rows: Iterable[tuple]) -> None:
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def stage_rows(conn: Connection, job_id: str, rows: Iterable[tuple]) -> None:
    """COPY (row_number, attributes JSON, EWKB hex | None, error JSON | None, use) into the job's rows."""
    _copy(conn, f"COPY parcel_check_job_rows {_ROW_COLUMNS} FROM STDIN",
          ((job_id, *row) for row in rows))


def staged_check(conn: Connection, job_id: str, limit: int, lane: int = 0, lanes: int = 1,
                 nearby_m: float = 500.0, after: int = -1) -> Checked:
    """The check of the job's next ``limit`` pending rows (of those numbered ``lane`` modulo ``lanes``,
    after row ``after``), as ``analysis.check_chunk`` answers it.

    ``after``: the lane's last checked row. The index scan then starts there rather than walking
    the entries of every row already checked (dead until vacuum; small: 3 ms against 1.4 ms per
    chunk with 90k rows checked, 100 ms for the first scan that meets them)."""
    return run_check(conn, STAGED_CHECK_SQL, {"job": job_id, "limit": limit, "lane": lane, "lanes": lanes,
                                              "nearby_m": nearby_m, "after": after})


def store_row_reports(conn: Connection, job_id: str, reports: list[tuple]) -> None:
    """COPY the reports (id, created_at, actor, use, crs, verdict, EWKB hex, report JSON, versions JSON)
    of the rows numbered as given in ``reports[i][0]`` and link each job row to its report."""
    # A crash may lose the last chunks' commits; the job then resumes from its first unlinked row.
    conn.execute(text("SET LOCAL synchronous_commit = off"))
    _copy(conn, f"COPY parcel_check_reports {_REPORT_COLUMNS} FROM STDIN", (r[1:] for r in reports))
    conn.execute(_LINK_ROWS, {"job": job_id, "rows": [r[0] for r in reports], "ids": [r[1] for r in reports],
                              "verdicts": [r[6] for r in reports]})
