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
from contextlib import asynccontextmanager

import orjson
import shapely
from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB

from gis_service.crs import parse_crs
from gis_service.errors import GisError, NotFound
from gis_service.queries.analysis import check_context, make_valid
from gis_service.services.parcel_check.batch_readers import read_batch_file
from gis_service.services.parcel_check.check import check_parcels, check_proposed_use
from gis_service.services.parcel_check.geometry_input import ParcelInput
from gis_service.settings import Settings

log = logging.getLogger(__name__)
STATE_ZH = {"queued": "排队中", "running": "处理中", "succeeded": "已完成", "failed": "失败"}
POLL_S = 1.0
MAX_LISTED_ERRORS = 1000


def submit_job(conn: Connection, content: bytes, filename: str, *, settings: Settings, actor: str,
               options: dict) -> str:
    """Read the file (4xx if it is unreadable), store the job and its rows, return the job id."""
    check_proposed_use(options.get("proposed_use"))
    if options.get("crs"):
        parse_crs(options["crs"])
    batch = read_batch_file(content, filename, crs=options.get("crs"), layer=options.get("layer"),
                            repair=bool(options.get("repair")), max_features=settings.parcel_batch_max_features)
    to_repair = [r for r in batch.rows if r.geometry is not None and r.repair_reason]
    if to_repair:
        for row, wkb in zip(to_repair, make_valid(conn, [shapely.to_wkb(r.geometry) for r in to_repair])):
            geom = shapely.from_wkb(wkb) if wkb else None
            if geom is None or geom.is_empty:
                row.geometry, row.error = None, {"row": row.row_number, "reason": "nothing polygonal left after repair",
                                                 "reason_zh": "修复后没有面状几何"}
            else:
                row.geometry = geom
    job_id = uuid.uuid4().hex
    errors = sum(1 for r in batch.rows if r.error)
    stored_options = {**options, "source_crs": batch.source_crs,
                      "repaired_rows": {str(r.row_number): r.repair_reason for r in to_repair if not r.error}}
    conn.execute(text(
        "INSERT INTO parcel_check_jobs (id, actor, state, total, processed, percent, filename, options, columns, "
        "input_file) VALUES (:id, :actor, 'queued', :total, :errors, :percent, :filename, :options, :columns, :file)"
    ).bindparams(bindparam("options", type_=JSONB), bindparam("columns", type_=JSONB)),
        {"id": job_id, "actor": actor, "total": len(batch.rows), "errors": errors,
         "percent": round(100 * errors / len(batch.rows), 2) if batch.rows else 0, "filename": filename,
         "options": stored_options, "columns": batch.columns, "file": content})
    if batch.rows:
        conn.execute(text(
            "INSERT INTO parcel_check_job_rows (job_id, row_number, attributes, geom, error) VALUES "
            "(:job, :n, :attributes, ST_SetSRID(ST_GeomFromWKB(:wkb), 4490), :error)"
        ).bindparams(bindparam("attributes", type_=JSONB), bindparam("error", type_=JSONB(none_as_null=True))),
            [{"job": job_id, "n": r.row_number, "attributes": r.attributes, "error": r.error,
              "wkb": None if r.geometry is None else shapely.to_wkb(r.geometry)} for r in batch.rows])
    conn.commit()
    return job_id


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
            "RETURNING j.id, j.options, j.attempts"), {"lease": lease_s, "worker": worker}).mappings().first()
    return dict(row) if row else None


_PENDING_SQL = text(
    "SELECT row_number, ST_AsBinary(geom) AS wkb FROM parcel_check_job_rows WHERE job_id = :job "
    "AND result IS NULL AND error IS NULL ORDER BY row_number LIMIT :limit")
# One JSON document per chunk: a text[] of reports would be escaped element by element.
_SAVE_SQL = text(
    "UPDATE parcel_check_job_rows r SET verdict = v ->> 'verdict', result = v -> 'result' "
    "FROM jsonb_array_elements(CAST(:payload AS jsonb)) AS v "
    "WHERE r.job_id = :job AND r.row_number = CAST(v ->> 'n' AS int)")
_PROGRESS_SQL = text(
    "UPDATE parcel_check_jobs SET processed = processed + :n, heartbeat_at = now(), updated_at = now(), "
    "percent = LEAST(100, round(100.0 * (processed + :n) / GREATEST(total, 1), 2)) "
    "WHERE id = :job AND worker = :worker AND state = 'running' RETURNING id")


def process_job(engine: Engine, job: dict, worker: str, chunk_size: int,
                stop: threading.Event | None = None) -> str:
    """Work a claimed job to the end; returns its final state ('queued' if stopped on shutdown)."""
    options = job["options"]
    repaired = options.get("repaired_rows") or {}
    try:
        while True:
            if stop is not None and stop.is_set():
                with engine.begin() as conn:  # hand it back at once rather than after the lease
                    conn.execute(text("UPDATE parcel_check_jobs SET state = 'queued', worker = NULL, "
                                      "attempts = attempts - 1 WHERE id = :job AND worker = :worker"),
                                 {"job": job["id"], "worker": worker})
                return "queued"
            with engine.begin() as conn:
                context = check_context(conn)
                pending = conn.execute(_PENDING_SQL, {"job": job["id"], "limit": chunk_size}).all()
                if not pending:
                    conn.execute(text("UPDATE parcel_check_jobs SET state = 'succeeded', percent = 100, "
                                      "finished_at = now(), updated_at = now() WHERE id = :job AND worker = :worker"),
                                 {"job": job["id"], "worker": worker})
                    return "succeeded"
                parcels = [ParcelInput(index=n, geometry=shapely.from_wkb(bytes(wkb)), crs_label=options.get(
                    "source_crs") or "", repair_reason=repaired.get(str(n)), repaired=str(n) in repaired)
                    for n, wkb in pending]
                reports = check_parcels(conn, parcels, options.get("proposed_use"), chunk_size=chunk_size,
                                        context=context)
                payload = [{"n": p.index, "verdict": r["verdict"]["code"], "result": r}
                           for p, r in zip(parcels, reports)]
                conn.execute(_SAVE_SQL, {"job": job["id"], "payload": orjson.dumps(payload).decode()})
                if conn.execute(_PROGRESS_SQL, {"job": job["id"], "worker": worker, "n": len(parcels)}).first() is None:
                    conn.rollback()  # another worker took the job over; its results win
                    return "lost"
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
            process_job(self.engine, job, self.worker_id, s.parcel_batch_chunk, self.stop)


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
