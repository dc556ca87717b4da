"""Tables for the parcel check: stored reports, batch jobs and their rows.

Jobs live in the database so any app process can report on them and a
restarted process can pick up (or fail) what a dead one left behind.
"""
from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import (
    CheckConstraint, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, Numeric, Text, func, text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis_service.crs import AREA_EPSG
from gis_service.db.models import STORAGE_SRID, Base

class ParcelCheckReport(Base):
    """One checked parcel: the input geometry and the full JSON report."""

    __tablename__ = "parcel_check_reports"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    proposed_use: Mapped[str | None] = mapped_column(Text)
    input_crs: Mapped[str] = mapped_column(Text, nullable=False)
    verdict: Mapped[str] = mapped_column(Text, nullable=False)
    geom = mapped_column(Geometry("GEOMETRY", srid=STORAGE_SRID, spatial_index=True), nullable=False)
    result: Mapped[dict] = mapped_column(JSONB, nullable=False)
    data_versions: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    __table_args__ = (Index("parcel_check_reports_created_idx", "created_at"),)


class ParcelCheckJob(Base):
    """A batch check. Workers claim rows with ``FOR UPDATE SKIP LOCKED``; a running job whose
    heartbeat is older than the lease belonged to a process that died, and is taken over."""

    __tablename__ = "parcel_check_jobs"
    id: Mapped[str] = mapped_column(Text, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    state: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'queued'"))
    percent: Mapped[float] = mapped_column(Numeric(5, 2), nullable=False, server_default=text("0"))
    total: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    processed: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    worker: Mapped[str | None] = mapped_column(Text)
    error: Mapped[dict | None] = mapped_column(JSONB)
    filename: Mapped[str] = mapped_column(Text, nullable=False)
    options: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    # The OGC API – Processes process this job runs (its processID).
    process_id: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'parcel-check-batch'"))
    columns: Mapped[list] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    # The upload itself, kept for provenance and so a job never depends on a temp file.
    input_file: Mapped[bytes | None] = mapped_column(LargeBinary)
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed')",
                        name="parcel_check_jobs_state_ck"),
        CheckConstraint("percent BETWEEN 0 AND 100", name="parcel_check_jobs_percent_ck"),
        Index("parcel_check_jobs_state_idx", "state", "created_at"),
    )


class ParcelCheckJobRow(Base):
    """One input row of a batch: its own columns, its geometry, then its result or its error."""

    __tablename__ = "parcel_check_job_rows"
    job_id: Mapped[str] = mapped_column(
        Text, ForeignKey("parcel_check_jobs.id", ondelete="CASCADE"), primary_key=True)
    row_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    attributes: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    geom = mapped_column(Geometry("GEOMETRY", srid=STORAGE_SRID, spatial_index=False), nullable=True)
    verdict: Mapped[str | None] = mapped_column(Text)
    proposed_use: Mapped[str | None] = mapped_column(Text)  # the row's own use, else the request's
    report_id: Mapped[str | None] = mapped_column(
        Text, ForeignKey("parcel_check_reports.id", ondelete="SET NULL"))
    result: Mapped[dict | None] = mapped_column(JSONB)  # jobs checked before report_id existed
    error: Mapped[dict | None] = mapped_column(JSONB)
    __table_args__ = (
        # Pending rows are found by this index when a job resumes.
        Index("parcel_check_job_rows_pending_idx", "job_id", "row_number",
              postgresql_where=text("report_id IS NULL AND result IS NULL AND error IS NULL")),
        # Deleting a report sets its rows' report_id to NULL (the foreign key): without this index
        # each deleted report scanned every job row (minutes for a 100k job's reports).
        Index("parcel_check_job_rows_report_idx", "report_id", postgresql_where=text("report_id IS NOT NULL")),
    )


# The plan layers as the check measures them (queries.check_layers), in the metric CRS of every
# area and distance, kept under the stamp of the layer versions they were built from. Derived data only.
CHECK_LAYER_SRID = AREA_EPSG


class _CheckLayerRow:
    stamp: Mapped[str] = mapped_column(Text, primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    layer: Mapped[str] = mapped_column(Text, nullable=False)
    id: Mapped[str] = mapped_column(Text, nullable=False)
    name: Mapped[str | None] = mapped_column(Text)
    geometry_quality: Mapped[str | None] = mapped_column(Text)
    g = mapped_column(Geometry("GEOMETRY", srid=CHECK_LAYER_SRID, spatial_index=False), nullable=False)


class CheckPoly(_CheckLayerRow, Base):
    """A polygon feature whose overlap with a parcel is measured."""
    __tablename__ = "check_polys"
    kind: Mapped[str | None] = mapped_column(Text)
    location_basis: Mapped[str | None] = mapped_column(Text)
    plan_ref: Mapped[str | None] = mapped_column(Text)


class CheckScreen(_CheckLayerRow, Base):
    """A screening feature with its 禁止开发区 parts and the share of it they cover."""
    __tablename__ = "check_screen"
    kind: Mapped[str | None] = mapped_column(Text)
    plan_ref: Mapped[str | None] = mapped_column(Text)
    zone_g = mapped_column(Geometry("GEOMETRY", srid=CHECK_LAYER_SRID, spatial_index=False))
    zoned_fraction: Mapped[float | None] = mapped_column(Float)


class CheckPoint(_CheckLayerRow, Base):
    """A located plan point reported as nearby."""
    __tablename__ = "check_points"
    category: Mapped[str | None] = mapped_column(Text)
    location_basis: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(Text)
