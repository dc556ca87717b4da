"""Heads of the tamper-evident chains over audit_log and progress_events.

A BEFORE INSERT trigger on each table locks its head row, links the new row to
the head's hash (chain_seq, prev_hash, row_hash) and moves the head on; the
hashed content and the trigger are defined in migration 0013_audit_chain, and
auth.chain verifies them.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from gis_service.db.models import Base

GENESIS_HASH = "0" * 64
CHAINS = ("audit_log", "progress_events")


class AuditChainHead(Base):
    __tablename__ = "audit_chain_heads"
    chain: Mapped[str] = mapped_column(Text, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)
    head_hash: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                    nullable=False)

HEADS_SQL = "SELECT chain, seq, head_hash, updated_at FROM audit_chain_heads ORDER BY chain"


def read_heads(conn) -> dict[str, dict]:
    """Each chain's head: the seq and hash of its last row."""
    return {r["chain"]: {"seq": r["seq"], "head_hash": r["head_hash"], "updated_at": r["updated_at"].isoformat()}
            for r in conn.execute(text(HEADS_SQL)).mappings()}
