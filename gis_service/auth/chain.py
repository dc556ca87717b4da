"""Verification and export of the tamper-evident trail.

audit_log and progress_events are separate hash chains: each row's row_hash is
SHA-256 over its chain_seq, the previous row's hash and its content, computed
by the database on insert. Rewriting a row (even as a superuser, with the
append-only trigger disabled) breaks its own hash; deleting one breaks the
sequence or the next row's link; rewriting the chain from some row on changes
the head hash, which is published in /audit/export and beside every backup so
it can be compared with a copy held elsewhere.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from gis_service.db.models_chain import CHAINS, GENESIS_HASH, read_heads
from gis_service.queries import chain as sql


@dataclass(frozen=True)
class Break:
    chain: str
    chain_seq: int
    row_id: int | None
    reason_zh: str
    reason_en: str

    def line(self) -> str:
        where = f"{self.chain} chain_seq {self.chain_seq}" + (f" (id {self.row_id})" if self.row_id else "")
        return f"{where}: {self.reason_zh} / {self.reason_en}"


@dataclass(frozen=True)
class ChainState:
    chain: str
    rows: int
    head_hash: str
    broken: Break | None


def heads(conn: Connection) -> dict[str, dict]:
    return read_heads(conn)


def _walk(conn: Connection, chain: str) -> tuple[int, str, Break | None]:
    expected_seq, prev = 1, GENESIS_HASH
    result = conn.execution_options(stream_results=True, yield_per=5000).execute(text(sql.walk(chain)))
    for seq, row_id, prev_hash, row_hash, computed in result:
        if seq != expected_seq:
            return expected_seq - 1, prev, Break(chain, expected_seq, None, "缺少记录（链序号中断）",
                                                 f"row missing: next row has chain_seq {seq}")
        if prev_hash != prev:
            return seq - 1, prev, Break(chain, seq, row_id, "与上一条记录的哈希不衔接",
                                        "prev_hash does not match the previous row's hash")
        if computed != row_hash:
            return seq - 1, prev, Break(chain, seq, row_id, "记录内容已被改动（哈希不符）",
                                        "row content altered: its hash does not match")
        expected_seq, prev = seq + 1, row_hash
    return expected_seq - 1, prev, None


def verify(conn: Connection) -> list[ChainState]:
    """Walk every chain; each state names the first broken link, if any."""
    recorded = heads(conn)
    states = []
    for chain in CHAINS:
        rows, last, broken = _walk(conn, chain)
        head = recorded.get(chain)
        if broken is None and head is None:
            broken = Break(chain, 0, None, "缺少链头", "chain head row missing")
        elif broken is None and (head["seq"] != rows or head["head_hash"] != last):
            broken = Break(chain, head["seq"], None, "链头与最后一条记录不符（末尾记录被删除或改写）",
                           f"head (seq {head['seq']}) does not match the last row (seq {rows})")
        states.append(ChainState(chain, rows, last, broken))
    return states


def export_page(conn: Connection, chain: str, *, after: int = 0, limit: int = 1000) -> list[dict]:
    """Rows of one chain in chain order with their hashes, for an external auditor."""
    rows = conn.execute(text(sql.export_rows(chain)), {"after": after, "limit": limit}).mappings()
    return [dict(r) for r in rows]


def export(conn: Connection, chain: str, *, after: int, limit: int, base: str) -> dict:
    rows = export_page(conn, chain, after=after, limit=limit)
    body = {"chain": chain, "genesis_hash": GENESIS_HASH, "heads": heads(conn), "rows": rows,
            "hash_note": "row_hash = hex(sha256(utf8(chain_seq + '|' + prev_hash + '|' + content)))"}
    if len(rows) == limit:
        body["next"] = f"{base}/audit/export?chain={chain}&after={rows[-1]['chain_seq']}&limit={limit}"
    return body
