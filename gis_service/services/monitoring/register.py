"""The warning register: one interface through which every source raises and clears warnings.

# interface owned by monitoring; lead merges
A minimal implementation of the shared interface, so the conflict register can feed it:
raise a warning for each condition without an open one, refresh open ones, clear
(never delete) open warnings of the source and scope whose condition no longer holds.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, text


@dataclass(frozen=True)
class Condition:            # one currently-true warning condition
    rule: str               # e.g. "indicator_threshold", "overdue", "stalled", "suspended", "conflict"
    subject_type: str       # "feature" | "indicator"
    subject_id: str         # "<collection>/<feature id>" or the indicator code
    severity: str           # "red" | "yellow" | "info"
    reason_zh: str
    reason_en: str
    link: str               # relative URL of the subject
    detail: dict            # JSON-able facts (values, thresholds, overlap m2, conflict id ...)


_OPEN = """SELECT id, rule, subject_id FROM warnings WHERE status = 'open' AND source = :source
           AND (CAST(:scope AS text[]) IS NULL OR subject_id = ANY(CAST(:scope AS text[])))"""
_RAISE = """INSERT INTO warnings (source, rule, subject_type, subject_id, severity, reason_zh, reason_en,
                                  link, detail)
            VALUES (:source, :rule, :subject_type, :subject_id, :severity, :reason_zh, :reason_en,
                    :link, CAST(:detail AS jsonb))
            ON CONFLICT (rule, subject_id) WHERE status = 'open' DO UPDATE SET
              severity = EXCLUDED.severity, reason_zh = EXCLUDED.reason_zh, reason_en = EXCLUDED.reason_en,
              link = EXCLUDED.link, detail = EXCLUDED.detail"""
_CLEAR = """UPDATE warnings SET status = 'cleared', cleared_at = now(), cleared_by = 'system'
            WHERE id = ANY(CAST(:ids AS bigint[]))"""


def sync_conditions(conn: Connection, source: str, conditions: list[Condition],
                    scope: list[str] | None = None) -> None:
    """Make the open warnings of ``source`` (within ``scope`` subject ids, None = all) match
    ``conditions``. Runs in the caller's transaction."""
    holding = {(c.rule, c.subject_id) for c in conditions}
    stale = [r.id for r in conn.execute(text(_OPEN), {"source": source, "scope": scope})
             if (r.rule, r.subject_id) not in holding]
    if stale:
        conn.execute(text(_CLEAR), {"ids": stale})
    for c in conditions:
        conn.execute(text(_RAISE), {"source": source, "rule": c.rule, "subject_type": c.subject_type,
                                    "subject_id": c.subject_id, "severity": c.severity,
                                    "reason_zh": c.reason_zh, "reason_en": c.reason_en, "link": c.link,
                                    "detail": json.dumps(c.detail, ensure_ascii=False, default=str)})
