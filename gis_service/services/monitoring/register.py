"""The warning register: one interface every source of warnings feeds.

A source (the monitoring rules, the plan-wide conflict check) hands over the conditions that
currently hold for the subjects it re-evaluated. New ones are raised; active warnings whose
condition no longer holds are cleared by the system. Nothing is ever deleted. At most one
active warning per (rule, subject) is enforced by the partial unique index ``warnings_active_uq``,
so concurrent re-evaluations cannot raise duplicates.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from gis_service.queries import monitoring as sql

SOURCES = ("monitoring", "conflicts")


@dataclass(frozen=True)
class Condition:            # one currently-true warning condition
    rule: str               # e.g. "indicator_threshold", "overdue", "stalled", "suspended", "conflict"
    subject_type: str       # "feature" | "indicator"
    subject_id: str         # "<collection>/<feature id>" or the indicator code
    severity: str           # "red" | "yellow" | "info"
    reason_zh: str
    reason_en: str
    link: str               # relative URL of the subject, e.g. "/collections/projects/items/p-12"
    detail: dict = field(default_factory=dict)  # JSON-able facts (values, thresholds, ...)


def _params(source: str, c: Condition) -> dict:
    return {"source": source, "rule": c.rule, "subject_type": c.subject_type, "subject_id": c.subject_id,
            "severity": c.severity, "reason_zh": c.reason_zh, "reason_en": c.reason_en, "link": c.link,
            "detail": json.dumps(c.detail, ensure_ascii=False, sort_keys=True, default=str)}


def sync_conditions(conn: Connection, source: str, conditions: list[Condition],
                    scope: list[str] | None = None) -> None:
    """Raise new conditions, refresh still-holding ones, clear the rest of ``source``/``scope``.
    ``scope``: the subject ids re-evaluated (None: every subject of this source)."""
    if source not in SOURCES:
        raise ValueError(f"unknown warning source {source!r}")
    if scope is not None:
        inside = set(scope)
        conditions = [c for c in conditions if c.subject_id in inside]
    holding = {(c.rule, c.subject_id): c for c in conditions}
    active = conn.execute(text(sql.ACTIVE_WARNINGS), {"source": source, "scope": scope}).mappings().all()
    gone = []
    for w in active:
        c = holding.pop((w["rule"], w["subject_id"]), None)
        if c is None:
            gone.append(w["id"])
        elif c.severity != w["severity"] or json.loads(_params(source, c)["detail"]) != w["detail"]:
            conn.execute(text(sql.REFRESH_WARNING), {**_params(source, c), "id": w["id"]})
    if gone:
        conn.execute(text(sql.CLEAR_WARNINGS), {"ids": gone})
    for c in holding.values():
        conn.execute(text(sql.RAISE_WARNING), _params(source, c))
