"""Tables of implementation supervision: lifecycle stage plans, indicator monitoring settings
and the warning register (migration 0010).

A stage plan is one JSON document per feature (stages with planned/actual dates, the
responsible unit, documents, a note). Its changes are history events like any other edit,
under the key ``lifecycle``, so ``as_of`` restores it the way it restores columns.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Index, Numeric, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis_service import vocab
from gis_service.db.models import Base

WARNING_STATUSES = ("open", "acknowledged", "closed", "cleared")
WARNING_SEVERITIES = tuple(vocab.WARNING_SEVERITIES)


class LifecyclePlan(Base):
    __tablename__ = "lifecycle_plans"
    collection_id: Mapped[str] = mapped_column(Text, primary_key=True)
    feature_id: Mapped[str] = mapped_column(Text, primary_key=True)
    # {"<stage>": {"planned_start": "YYYY-MM-DD" | null, "planned_end": .., "actual_start": .., "actual_end": ..}}
    stages: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    responsible_unit: Mapped[str | None] = mapped_column(Text)
    documents: Mapped[list] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    note: Mapped[str | None] = mapped_column(Text)
    demo: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    __table_args__ = (
        CheckConstraint("collection_id IN ('projects', 'urban_village_sites')", name="lifecycle_plans_collection_ck"),
    )


class IndicatorMonitoring(Base):
    """Per 表2 indicator: its definition (口径, formula, source, unit, frequency) and 绿/黄/红
    thresholds on the relative shortfall from the trajectory. Missing row: defaults apply."""

    __tablename__ = "indicator_monitoring"
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    yellow_at: Mapped[float] = mapped_column(Numeric, nullable=False, server_default=text("0.05"))
    red_at: Mapped[float] = mapped_column(Numeric, nullable=False, server_default=text("0.15"))
    caliber: Mapped[str | None] = mapped_column(Text)
    formula: Mapped[str | None] = mapped_column(Text)
    data_source: Mapped[str | None] = mapped_column(Text)
    responsible_unit: Mapped[str | None] = mapped_column(Text)
    frequency: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    __table_args__ = (
        CheckConstraint("yellow_at >= 0 AND red_at > yellow_at", name="indicator_monitoring_thresholds_ck"),
    )


class RegisterWarning(Base):
    """Never deleted. Active until the system clears it (``cleared_at``); at most one active
    warning per (rule, subject), enforced by the partial unique index."""

    __tablename__ = "warnings"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    rule: Mapped[str] = mapped_column(Text, nullable=False)
    subject_type: Mapped[str] = mapped_column(Text, nullable=False)
    subject_id: Mapped[str] = mapped_column(Text, nullable=False)
    severity: Mapped[str] = mapped_column(Text, nullable=False)
    reason_zh: Mapped[str] = mapped_column(Text, nullable=False)
    reason_en: Mapped[str] = mapped_column(Text, nullable=False)
    link: Mapped[str] = mapped_column(Text, nullable=False)
    detail: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    status: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'open'"))
    raised_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now())
    raised_by: Mapped[str] = mapped_column(Text, nullable=False, server_default=text("'system'"))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(Text)
    acknowledged_comment: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(Text)
    closed_comment: Mapped[str | None] = mapped_column(Text)
    cleared_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    cleared_by: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint("status IN ('open', 'acknowledged', 'closed', 'cleared')", name="warnings_status_ck"),
        CheckConstraint("severity IN ('red', 'yellow', 'info')", name="warnings_severity_ck"),
        CheckConstraint("subject_type IN ('feature', 'indicator')", name="warnings_subject_type_ck"),
        Index("warnings_active_uq", "rule", "subject_id", unique=True,
              postgresql_where=text("cleared_at IS NULL")),
        Index("warnings_source_subject_idx", "source", "subject_id"),
    )
