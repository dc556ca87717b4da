"""Derived flags of scheduled works, computed from the dates, never stored by hand.

- ``overdue``: a stage's planned end has passed (before the day) without an actual end by then;
- ``stalled``: status neither unknown, finished nor suspended, and the last report (status
  date or last recorded change) more than N days before the day;
- ``suspended``: the stored status.
Everything is as recorded at the end of ``as_of`` (Asia/Shanghai), judged on that day.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from gis_service import vocab
from gis_service.db.models import PROGRESS_COLLECTIONS
from gis_service.queries.monitoring import works_sql
from gis_service.vocab import LIFECYCLE_COLLECTIONS, lifecycle
from gis_service.services.progress.validation import today_in_review_zone
from gis_service.vocab import LOCAL_TZ

STALLED_DAYS = 180
SHANGHAI = LOCAL_TZ


def _plan(row) -> dict:
    if row["plan_changed"]:  # the plan as it was at the cutoff (None: there was none yet)
        return (row["plan_then"] or {}).get("stages") or {}
    return row["stages"] or {}


def overdue_stages(collection_id: str, stages: dict, day: dt.date) -> list[dict]:
    out = []
    for code, dates in stages.items():
        planned_end, actual_end = dates.get("planned_end"), dates.get("actual_end")
        if planned_end and planned_end < day.isoformat() and not (actual_end and actual_end <= day.isoformat()):
            label = lifecycle(collection_id).get(code, (code, code, ""))
            out.append({"stage": code, "stage_zh": label[0], "stage_en": label[1], "planned_end": planned_end,
                        "days_late": (day - dt.date.fromisoformat(planned_end)).days})
    return out


def last_report(row) -> dt.date | None:
    dates = [d for d in (row["status_date"],
                         row["last_event_at"] and row["last_event_at"].astimezone(SHANGHAI).date()) if d]
    return max(dates) if dates else None


def is_stalled(status: str, reported: dt.date | None, day: dt.date, days: int) -> bool:
    if status == "unknown" or status in vocab.codes_in_group(vocab.FINISHED) or status == "suspended" or reported is None:
        return False
    return (day - reported).days > days


def works(conn: Connection, collection_id: str, as_of: dt.date | None = None, ids: list[str] | None = None,
          stalled_days: int = STALLED_DAYS) -> list[dict]:
    """Every live work of a progress collection with its plan and flags on ``as_of`` (or today)."""
    day = as_of or today_in_review_zone()
    sql, params = works_sql(collection_id, as_of, ids)
    out = []
    for row in conn.execute(text(sql), params).mappings():
        stages = _plan(row) if collection_id in LIFECYCLE_COLLECTIONS else {}
        reported = last_report(row)
        late = overdue_stages(collection_id, stages, day)
        out.append({
            "collection": collection_id, "id": row["id"], "name": row["name"], "category": row["category"],
            "status": row["status"], "percent_complete": _num(row["percent_complete"]),
            "investment_planned_wan": _num(row["investment_planned_wan"]),
            "investment_completed_wan": _num(row["investment_completed_wan"]),
            "stages": stages, "responsible_unit": row["responsible_unit"],
            "last_report": reported and reported.isoformat(),
            "overdue": bool(late), "overdue_stages": late,
            "stalled": is_stalled(row["status"], reported, day, stalled_days),
            "suspended": row["status"] == "suspended",
            "demo": bool(row["demo"] or row["plan_demo"]),
            "link": f"/collections/{collection_id}/items/{row['id']}"})
    return out


def all_works(conn: Connection, as_of: dt.date | None = None, stalled_days: int = STALLED_DAYS) -> list[dict]:
    return [w for cid in PROGRESS_COLLECTIONS for w in works(conn, cid, as_of, stalled_days=stalled_days)]


def _num(value):
    return None if value is None else float(value)


def one_work(conn: Connection, collection_id: str, feature_id: str, as_of: dt.date | None = None,
             stalled_days: int = STALLED_DAYS) -> dict:
    """One work's stage plan and flags (404 when there is no such live feature)."""
    from gis_service.errors import NotFound
    from gis_service.services.progress.edits import check_editable

    check_editable(collection_id)
    found = works(conn, collection_id, as_of, [feature_id], stalled_days)
    if not found:
        raise NotFound(f"图层 {collection_id} 中没有要素 {feature_id!r}", f"no feature {feature_id!r} in "
                       f"{collection_id}", detail={"collection": collection_id, "feature": feature_id})
    return {**found[0], "as_of": as_of and as_of.isoformat(), "judged_on": (as_of or today_in_review_zone()).isoformat()}
