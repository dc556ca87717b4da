"""Tables for progress tracking and access control (migration 0005).

Progress values themselves live on the four progress tables (models.py:
status, percent, dates, investment, approval number, and 签约率/腾空率/拆除面积
on urban villages), so items, filters, exports and ``as_of`` see them like any
column. Here: photos, API keys, browser sessions, the audit log and the
yearly actuals of the plan indicators.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Index, Integer, Numeric, Text, func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis_service.db.models import Base

ROLES = ("viewer", "editor", "admin")
INDICATOR_STATUSES = ("achieved", "on_track", "behind", "no_data")


class ApiKey(Base):
    """Only a SHA-256 of the key is kept; the key is shown once, when created."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    key_hash: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    key_prefix: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    created_by: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Desktop clients (QGIS) send no If-Match; an admin may let a key write without one.
    unconditional_writes: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    __table_args__ = (CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="api_keys_role_ck"),)


class WebSession(Base):
    """A signed-in browser. Kept in the database so any app replica can serve it."""

    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(Text, primary_key=True)
    key_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=False)
    csrf_token: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ProgressPhoto(Base):
    """A JPEG/PNG attached to a feature; the file sits in GIS_UPLOAD_DIR under ``stored_name``."""

    __tablename__ = "progress_photos"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    collection_id: Mapped[str] = mapped_column(Text, nullable=False)
    feature_id: Mapped[str] = mapped_column(Text, nullable=False)
    stored_name: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    original_name: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text, nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    caption: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    uploaded_by: Mapped[str] = mapped_column(Text, nullable=False)
    retired: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    __table_args__ = (
        CheckConstraint("content_type IN ('image/jpeg', 'image/png')", name="progress_photos_type_ck"),
        Index("progress_photos_feature_idx", "collection_id", "feature_id"),
    )


class AuditEntry(Base):
    """Append-only: every write, successful (same transaction) or refused (after the answer)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    role: Mapped[str] = mapped_column(Text, nullable=False)
    method: Mapped[str] = mapped_column(Text, nullable=False)
    path: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    collection_id: Mapped[str | None] = mapped_column(Text)
    feature_id: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    # Hash chain, filled by the chain trigger (see db.models_chain).
    chain_seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    prev_hash: Mapped[str] = mapped_column(Text, nullable=False)
    row_hash: Mapped[str] = mapped_column(Text, nullable=False)
    __table_args__ = (Index("audit_log_recorded_idx", "recorded_at"),
                      Index("audit_log_chain_seq_uq", "chain_seq", unique=True))


class IndicatorActual(Base):
    """A recorded yearly value of a 表2 indicator (or a manual status for textual targets).
    No foreign key: the indicators table is reloaded whole from layers/indicators.csv."""

    __tablename__ = "indicator_actuals"
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    value_num: Mapped[float | None] = mapped_column(Numeric)
    value_text: Mapped[str | None] = mapped_column(Text)
    manual_status: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    actor: Mapped[str] = mapped_column(Text, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    __table_args__ = (
        CheckConstraint("year BETWEEN 2015 AND 2030", name="indicator_actuals_year_ck"),
        CheckConstraint("manual_status IN ('achieved', 'on_track', 'behind', 'no_data')",
                        name="indicator_actuals_status_ck"),
    )
