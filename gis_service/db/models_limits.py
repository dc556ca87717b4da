"""Rate-limit counters live in the database, so every app process shares them."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from gis_service.db.models import Base


class RateLimitCounter(Base):
    __tablename__ = "rate_limit_counters"
    bucket: Mapped[str] = mapped_column(Text, primary_key=True)       # "<class>:<key name or client>"
    window_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, nullable=False)
