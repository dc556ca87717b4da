"""Tables of the plan-wide analyses: the conflict register (with its history) and the
warning register it feeds; plus the index that finds the first recorded seed load."""
from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, Boolean, DateTime, Float, Identity, Index, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis_service.db.models import STORAGE_SRID, Base, ProgressEvent

# "A date before the data" is before the first load: found through this partial index.
Index("progress_events_load_idx", ProgressEvent.recorded_at, postgresql_where=text("action = 'load'"))


class PlanConflict(Base):
    """One appearance of a conflict: opened when first seen, closed (never deleted) when it
    no longer holds. A conflict that comes back opens a new row, so the rows are its history."""

    __tablename__ = "plan_conflicts"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    conflict_key: Mapped[str] = mapped_column(Text, nullable=False)
    rule: Mapped[str] = mapped_column(Text, nullable=False)
    hit_type: Mapped[str] = mapped_column(Text, nullable=False)
    severity: Mapped[str] = mapped_column(Text, nullable=False)
    subject_collection: Mapped[str] = mapped_column(Text, nullable=False)
    subject_id: Mapped[str] = mapped_column(Text, nullable=False)
    subject_name: Mapped[str | None] = mapped_column(Text)
    object_collection: Mapped[str] = mapped_column(Text, nullable=False)
    object_id: Mapped[str] = mapped_column(Text, nullable=False)
    object_name: Mapped[str | None] = mapped_column(Text)
    proposed_use: Mapped[str | None] = mapped_column(Text)
    overlap_m2: Mapped[float | None] = mapped_column(Float)
    share: Mapped[float | None] = mapped_column(Float)
    length_m: Mapped[float | None] = mapped_column(Float)
    distance_m: Mapped[float | None] = mapped_column(Float)
    inconsistency: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    detail: Mapped[dict] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                    server_default=func.now())
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                   server_default=func.now())
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    geom = mapped_column(Geometry("GEOMETRY", srid=STORAGE_SRID, spatial_index=False), nullable=True)
    __table_args__ = (
        Index("plan_conflicts_open_uq", "conflict_key", unique=True, postgresql_where=text("closed_at IS NULL")),
        Index("plan_conflicts_subject_idx", "subject_collection", "subject_id"),
    )
