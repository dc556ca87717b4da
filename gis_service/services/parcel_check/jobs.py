"""Batch jobs in the database: submit, claim (``FOR UPDATE SKIP LOCKED``), work in chunks, report.

Each chunk commits its results and the job's progress together, so a process that
dies mid-job loses at most one chunk. Its job keeps ``state = running`` with an
old heartbeat; after ``parcel_job_lease_s`` any app process claims it and
carries on from the first unchecked row. A job that keeps killing its workers is
marked failed with the reason after ``parcel_job_max_attempts`` tries.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import datetime as dt

import numpy as np
import orjson
import shapely
from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB

from gis_service.crs import parse_crs
from gis_service.db.engine import set_statement_timeout
from gis_service.errors import GisError, NotFound
from gis_service.queries.analysis import keep_checked_layers, make_valid, tune_check
from gis_service.queries.parcel_batch import stage_rows, staged_check, store_row_reports
from gis_service.services.parcel_check.batch_readers import read_batch_file
from gis_service.services.parcel_check.check import (
    check_proposed_use, row_use, stamp, staged_reports, use_column_of,
)
from gis_service.settings import Settings

log = logging.getLogger(__name__)
STATE_ZH = {"queued": "排队中", "running": "处理中", "succeeded": "已完成", "failed": "失败"}
POLL_S = 1.0
MAX_LISTED_ERRORS = 1000


def submit_job(conn: Connection, content: bytes, filename: str, *, settings: Settings, actor: str,
               options: dict) -> str:
    """Read the file (4xx if it is unreadable), store the job and stage its rows, return the job id.

    One transaction: the job and all its rows, or nothing."""
    check_proposed_use(options.get("proposed_use"))
    if options.get("crs"):
        parse_crs(options["crs"])
    batch = read_batch_file(content, filename, crs=options.get("crs"), layer=options.get("layer"),
                            repair=bool(options.get("repair")), max_features=settings.parcel_batch_max_features)
    use_column = use_column_of(batch.columns, options.get("use_column"))
    repaired = _repair_rows(conn, batch.rows)
    uses = _row_uses(batch.rows, use_column)
    job_id = uuid.uuid4().hex
    errors = sum(1 for r in batch.rows if r.error)
    # Staging 100k rows is one COPY: a whole-layer write, not an interactive statement.
    set_statement_timeout(conn, settings.export_statement_timeout_ms)
    stored_options = {**options, "use_column": use_column, "source_crs": batch.source_crs,
                      "repaired_rows": {str(r.row_number): r.repair_reason for r in repaired if not r.error}}
    conn.execute(text(
        "INSERT INTO parcel_check_jobs (id, actor, state, total, processed, percent, filename, options, columns, "
        "input_file) VALUES (:id, :actor, 'queued', :total, :errors, :percent, :filename, :options, :columns, :file)"
    ).bindparams(bindparam("options", type_=JSONB), bindparam("columns", type_=JSONB)),
        {"id": job_id, "actor": actor, "total": len(batch.rows), "errors": errors,
         "percent": round(100 * errors / len(batch.rows), 2) if batch.rows else 0, "filename": filename,
         "options": stored_options, "columns": batch.columns, "file": content})
    stage_rows(conn, job_id, _staged(batch.rows, uses))
    conn.commit()
    return job_id


def _repair_rows(conn: Connection, rows: list) -> list:
    """ST_MakeValid on the rows marked for repair; a row with nothing polygonal left becomes an error."""
    to_repair = [r for r in rows if r.geometry is not None and r.repair_reason]
    if to_repair:
        for row, wkb in zip(to_repair, make_valid(conn, [shapely.to_wkb(r.geometry) for r in to_repair])):
            geom = shapely.from_wkb(wkb) if wkb else None
            if geom is None or geom.is_empty:
                row.geometry, row.error = None, {"row": row.row_number, "reason": "nothing polygonal left after repair",
                                                 "reason_zh": "修复后没有面状几何"}
            else:
                row.geometry = geom
    return to_repair


def _row_uses(rows: list, use_column: str | None) -> list[str | None]:
    """Each good row's own use (None: the request's applies); an unknown value makes the row an error."""
    uses = []
    for row in rows:
        use, error = (None, None) if row.error else row_use(row.attributes, use_column, row.row_number)
        if error:
            row.geometry, row.error = None, error
        uses.append(use)
    return uses


def _staged(rows: list, uses: list[str | None]):
    """The COPY rows: geometry as hex EWKB (SRID 4490), made for all rows in one vectorised call."""
    geoms = np.array([None if r.error else r.geometry for r in rows], dtype=object)
    ewkb = shapely.to_wkb(shapely.set_srid(geoms, 4490), hex=True, include_srid=True)
    for row, hex_wkb, use in zip(rows, ewkb, uses):
        yield (row.row_number, orjson.dumps(row.attributes, option=orjson.OPT_NON_STR_KEYS).decode(),
               None if row.error else hex_wkb, orjson.dumps(row.error).decode() if row.error else None, use)


def claim_job(engine: Engine, worker: str, lease_s: float, max_attempts: int) -> dict | None:
    with engine.begin() as conn:
        conn.execute(text(
            "UPDATE parcel_check_jobs SET state = 'failed', finished_at = now(), updated_at = now(), error = "
            "jsonb_build_object('reason', 'the worker processing this job stopped ' || attempts || ' times "
            "(process killed or crashed); giving up', 'reason_zh', '处理该任务的进程已中断 ' || attempts || "
            "' 次（被终止或崩溃），不再重试') WHERE state = 'running' AND attempts >= :max_attempts "
            "AND heartbeat_at < now() - make_interval(secs => :lease)"),
            {"lease": lease_s, "max_attempts": max_attempts})
        row = conn.execute(text(
            "WITH next AS (SELECT id FROM parcel_check_jobs WHERE state = 'queued' OR (state = 'running' "
            "AND heartbeat_at < now() - make_interval(secs => :lease)) ORDER BY created_at "
            "LIMIT 1 FOR UPDATE SKIP LOCKED) "
            "UPDATE parcel_check_jobs j SET state = 'running', attempts = attempts + 1, worker = :worker, "
            "heartbeat_at = now(), updated_at = now() FROM next WHERE j.id = next.id "
            "RETURNING j.id, j.options, j.attempts, j.actor"), {"lease": lease_s, "worker": worker}).mappings().first()
    return dict(row) if row else None


_PROGRESS_SQL = text(
    "UPDATE parcel_check_jobs SET processed = processed + :n, heartbeat_at = now(), updated_at = now(), "
    "percent = LEAST(100, round(100.0 * (processed + :n) / GREATEST(total, 1), 2)) "
    "WHERE id = :job AND worker = :worker AND state = 'running' RETURNING id")


def _hand_back(engine: Engine, job: dict, worker: str) -> str:
    with engine.begin() as conn:  # at once rather than after the lease
        conn.execute(text("UPDATE parcel_check_jobs SET state = 'queued', worker = NULL, "
                          "attempts = attempts - 1 WHERE id = :job AND worker = :worker"),
                     {"job": job["id"], "worker": worker})
    return "queued"


def check_chunk_of_job(conn: Connection, job: dict, worker: str, chunk_size: int, lane: int = 0,
                       lanes: int = 1, after: int = -1) -> int | str:
    """Check, store and link the job's next chunk of rows (of one lane, after row ``after``) in the
    caller's transaction.

    Returns the last row checked to go on, else 'done' (nothing left in the lane) or 'lost' (another
    worker has the job)."""
    options = job["options"]
    tune_check(conn)
    checked = staged_check(conn, job["id"], chunk_size, lane, lanes, after=after)
    rows, context = checked.rows, checked.context
    if not rows:
        return "done"
    keep_checked_layers(conn, checked)
    now = dt.datetime.now(dt.timezone.utc)
    actor, crs = job.get("actor") or "anonymous", options.get("source_crs") or ""
    reports = staged_reports(rows, context, options)
    versions = orjson.dumps(context["data_versions"]).decode()
    store_row_reports(conn, job["id"], [
        (row["ord"], stamp(report, actor, now), now, actor, report["input"]["proposed_use"], crs,
         report["verdict"]["code"], "SRID=4490;" + row["extra"]["wkb"],
         orjson.dumps(report, option=orjson.OPT_SERIALIZE_NUMPY).decode(), versions)
        for row, report in zip(rows, reports)])
    if conn.execute(_PROGRESS_SQL, {"job": job["id"], "worker": worker, "n": len(rows)}).first() is None:
        conn.rollback()  # another worker took the job over; its results win
        return "lost"
    return rows[-1]["ord"]


def _work_lane(engine: Engine, job: dict, worker: str, chunk_size: int, lane: int, lanes: int,
               stop: threading.Event | None) -> str:
    after = -1  # rows are checked in order: a committed chunk leaves none pending before its last
    while True:
        if stop is not None and stop.is_set():
            return "stopped"
        with engine.begin() as conn:
            state = check_chunk_of_job(conn, job, worker, chunk_size, lane, lanes, after)
        if isinstance(state, str):
            return state
        after = state


def process_job(engine: Engine, job: dict, worker: str, chunk_size: int,
                stop: threading.Event | None = None, lanes: int = 1) -> str:
    """Work a claimed job to the end; returns its final state ('queued' if stopped on shutdown).

    With ``lanes`` > 1 that many connections check interleaved rows at once: PostgreSQL checks one
    chunk while Python writes up the reports of another."""
    try:
        if lanes > 1:
            with ThreadPoolExecutor(lanes, thread_name_prefix="parcel-check-lane") as pool:
                states = set(pool.map(lambda lane: _work_lane(engine, job, worker, chunk_size, lane, lanes, stop),
                                      range(lanes)))
        else:
            states = {_work_lane(engine, job, worker, chunk_size, 0, 1, stop)}
        if "lost" in states:
            return "lost"
        if "stopped" in states:
            return _hand_back(engine, job, worker)
        with engine.begin() as conn:
            conn.execute(text("UPDATE parcel_check_jobs SET state = 'succeeded', percent = 100, "
                              "finished_at = now(), updated_at = now() WHERE id = :job AND worker = :worker"),
                         {"job": job["id"], "worker": worker})
        return "succeeded"
    except Exception as exc:  # noqa: BLE001  (any failure ends the job clearly, never silently)
        log.exception("parcel-check job %s failed", job["id"])
        reason = exc.message_en if isinstance(exc, GisError) else f"{type(exc).__name__}: {exc}"
        with engine.begin() as conn:
            conn.execute(text("UPDATE parcel_check_jobs SET state = 'failed', finished_at = now(), updated_at = now(), "
                              "error = :error WHERE id = :job").bindparams(bindparam("error", type_=JSONB)),
                         {"job": job["id"], "error": {"reason": reason[:2000], "reason_zh": "任务处理出错"}})
        return "failed"


class JobWorker(threading.Thread):
    """One per app process: claims jobs until the app stops."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(name="parcel-check-jobs", daemon=True)
        self.engine, self.settings = engine, settings
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.wake, self.stop = threading.Event(), threading.Event()

    def run(self) -> None:
        s = self.settings
        while not self.stop.is_set():
            try:
                job = claim_job(self.engine, self.worker_id, s.parcel_job_lease_s, s.parcel_job_max_attempts)
            except Exception:  # noqa: BLE001  (database briefly away: try again later)
                log.warning("parcel-check worker could not reach the database; retrying")
                job = None
            if job is None:
                self.wake.wait(POLL_S)
                self.wake.clear()
                continue
            process_job(self.engine, job, self.worker_id, s.parcel_batch_chunk, self.stop, s.parcel_batch_lanes)


@asynccontextmanager
async def job_lifespan(app):
    settings: Settings = app.state.settings
    worker = None
    if settings.parcel_job_worker:
        worker = JobWorker(app.state.engine, settings)
        app.state.parcel_job_worker = worker
        worker.start()
    try:
        yield
    finally:
        if worker is not None:
            worker.stop.set()
            worker.wake.set()
            worker.join(timeout=10)


def wake_worker(app) -> None:
    worker = getattr(app.state, "parcel_job_worker", None)
    if worker is not None:
        worker.wake.set()


def submit_batch(conn: Connection, app, content: bytes, filename: str, *, settings: Settings, actor: str,
                 options: dict, base: str) -> dict:
    """Store a batch job, wake this process's worker, and describe the job as ``GET /jobs/{id}`` does."""
    job_id = submit_job(conn, content, filename, settings=settings, actor=actor, options=options)
    wake_worker(app)
    return job_document(conn, job_id, base)


OGC_STATUS = {"queued": "accepted", "running": "running", "succeeded": "successful", "failed": "failed"}


def ogc_status(job) -> dict:
    """The OGC API – Processes statusInfo members of a job row."""
    stamp = {k: job[c].isoformat() for k, c in (("created", "created_at"), ("updated", "updated_at"),
                                                 ("finished", "finished_at")) if job[c]}
    return {"jobID": job["id"], "type": "process", "processID": job["process_id"],
            "status": OGC_STATUS[job["state"]], "message": STATE_ZH[job["state"]],
            "progress": int(job["percent"]), **stamp}


def job_document(conn: Connection, job_id: str, base: str) -> dict:
    job = conn.execute(text(
        "SELECT id, state, percent, processed, total, attempts, actor, filename, options, error, created_at, "
        "updated_at, finished_at, process_id FROM parcel_check_jobs WHERE id = :id"), {"id": job_id}).mappings().first()
    if job is None:
        raise NotFound(f"找不到任务 {job_id}", f"no job {job_id}", detail={"id": job_id})
    counts = dict(conn.execute(text(
        "SELECT COALESCE(verdict, CASE WHEN error IS NOT NULL THEN 'error' ELSE 'pending' END), count(*) "
        "FROM parcel_check_job_rows WHERE job_id = :id GROUP BY 1"), {"id": job_id}).all())
    errors = conn.execute(text(
        "SELECT error FROM parcel_check_job_rows WHERE job_id = :id AND error IS NOT NULL ORDER BY row_number "
        "LIMIT :limit"), {"id": job_id, "limit": MAX_LISTED_ERRORS}).scalars().all()
    options = {k: v for k, v in job["options"].items() if k != "repaired_rows"}
    href = f"{base}/jobs/{job_id}"
    return {
        **ogc_status(job),
        "id": job["id"], "state": job["state"], "state_zh": STATE_ZH[job["state"]],
        "percent": float(job["percent"]), "processed": job["processed"], "total": job["total"],
        "attempts": job["attempts"], "actor": job["actor"], "filename": job["filename"], "options": options,
        "error": job["error"], "created_at": job["created_at"].isoformat(),
        "updated_at": job["updated_at"].isoformat(),
        "finished_at": job["finished_at"].isoformat() if job["finished_at"] else None,
        "result_count": sum(v for k, v in counts.items() if k not in ("error", "pending")),
        "error_count": counts.get("error", 0), "verdict_counts": {k: v for k, v in counts.items()
                                                                  if k not in ("error", "pending")},
        "errors": list(errors),
        "links": [{"href": href, "rel": "self", "type": "application/json", "title": "任务状态 job state"}] + [
            {"href": f"{href}/results?f={fmt}", "rel": "enclosure", "type": media, "title": title}
            for fmt, media, title in (
                ("geojson", "application/geo+json", "结果 GeoJSON"), ("csv", "text/csv", "结果 CSV"),
                ("gpkg", "application/geopackage+sqlite3", "结果 GeoPackage"),
                ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "结果 Excel"))],
    }
