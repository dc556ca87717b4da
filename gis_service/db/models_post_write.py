"""Post-write re-evaluations that failed and wait for a retry (see db.post_write)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Identity, Index, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from gis_service.db.models import Base


class PostWriteQueue(Base):
    __tablename__ = "post_write_queue"
    __table_args__ = (Index("post_write_queue_pending", "id", postgresql_where=text("done_at IS NULL")),)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    subscriber: Mapped[str] = mapped_column(Text, nullable=False)
    event: Mapped[dict] = mapped_column(JSONB, nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                   nullable=False)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
