"""SQL of the audit/history hash chains (trigger and hash functions: migration 0013_audit_chain)."""
from __future__ import annotations

from gis_service.db.models_chain import CHAINS


def walk(chain: str) -> str:
    """Every link of one chain in chain order, with the hash recomputed from the stored content."""
    if chain not in CHAINS:
        raise ValueError(chain)
    return (f"SELECT t.chain_seq, t.id, t.prev_hash, t.row_hash, gis_chain_hash_{chain}(t) AS computed "
            f"FROM {chain} t ORDER BY t.chain_seq")


def export_rows(chain: str) -> str:
    if chain not in CHAINS:
        raise ValueError(chain)
    # content: the exact text that was hashed, so an auditor can recompute row_hash alone.
    return (f"SELECT t.chain_seq, t.prev_hash, t.row_hash, gis_chain_content_{chain}(t) AS content "
            f"FROM {chain} t WHERE t.chain_seq > :after ORDER BY t.chain_seq LIMIT :limit")

