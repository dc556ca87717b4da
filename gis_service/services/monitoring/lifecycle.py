"""Stage plans: validate, and write them through the edit path (key, If-Match, history, audit).

A stage edit locks the feature row, checks ``If-Match`` against its version, merges the
changes into the stage plan, derives ``status`` from the latest started stage, bumps the
version and appends one history event holding the old and new plan (key ``lifecycle``),
so the item's ETag, history and ``as_of`` all see it. Runs in the caller's transaction.
"""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Connection, text

from gis_service.auth.principal import Principal
from gis_service.db.post_write import WriteEvent, after_write
from gis_service.errors import InvalidInput
from gis_service.queries import monitoring as msql
from gis_service.queries import progress as psql
from gis_service.auth import audit
from gis_service.services.progress.edits import NotEditable, _load, expected_version
from gis_service.vocab import (
    DATE_RANGE, LIFECYCLE_COLLECTIONS, STAGE_DATE_FIELDS, derived_status, lifecycle,
)
from gis_service.services.progress.validation import ValidationFailed, today_in_review_zone

PLAN_KEYS = ("stages", "responsible_unit", "documents", "note")
MAX_TEXT = 2000


def check_lifecycle(collection_id: str) -> None:
    if collection_id not in LIFECYCLE_COLLECTIONS:
        raise NotEditable(f"图层 {collection_id} 没有生命周期阶段（仅 projects、urban_village_sites）",
                          f"collection {collection_id} has no lifecycle stages (projects, urban_village_sites only)",
                          detail={"collection": collection_id, "lifecycle_collections": list(LIFECYCLE_COLLECTIONS)})


def empty_plan() -> dict:
    return {"stages": {}, "responsible_unit": None, "documents": [], "note": None}


def _date(errors: dict, where: str, value, today: dt.date) -> str | None:
    if value is None:
        return None
    try:
        day = dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None:
        errors[where] = ("应为日期 YYYY-MM-DD", f"must be a date YYYY-MM-DD, got {value!r}")
        return None
    low, high = (dt.date.fromisoformat(d) for d in DATE_RANGE)
    if not low <= day <= high:
        errors[where] = (f"日期应在 {DATE_RANGE[0]}–{DATE_RANGE[1]} 之间",
                         f"date must be within {DATE_RANGE[0]}–{DATE_RANGE[1]}, got {value}")
    elif where.endswith("actual_start") or where.endswith("actual_end"):
        if day > today:
            errors[where] = ("实际日期不能晚于今天", f"an actual date cannot be after today ({today})")
    return day.isoformat()


def _stage(errors: dict, collection_id: str, code: str, value, old: dict, today: dt.date) -> dict | None:
    where = f"stages.{code}"
    if code not in lifecycle(collection_id):
        errors[where] = (f"未知阶段 {code!r}，应为 {'、'.join(lifecycle(collection_id))} 之一",
                         f"unknown stage {code!r}; expected one of {', '.join(lifecycle(collection_id))}")
        return None
    if value is None:
        return None  # removes the stage
    if not isinstance(value, dict) or set(value) - set(STAGE_DATE_FIELDS):
        errors[where] = (f"应为对象，字段为 {'、'.join(STAGE_DATE_FIELDS)}",
                         f"must be an object with fields {', '.join(STAGE_DATE_FIELDS)}")
        return None
    merged = {**{k: None for k in STAGE_DATE_FIELDS}, **(old or {})}
    merged.update({k: _date(errors, f"{where}.{k}", v, today) for k, v in value.items()})
    for kind in ("planned", "actual"):
        start, end = merged[f"{kind}_start"], merged[f"{kind}_end"]
        if start and end and end < start:
            errors[f"{where}.{kind}_end"] = (f"结束日期 {end} 早于开始日期 {start}",
                                             f"end {end} is before start {start}")
    if merged["actual_end"] and not merged["actual_start"]:
        errors[f"{where}.actual_start"] = ("有实际结束日期时需要实际开始日期",
                                           "an actual end needs an actual start")
    return merged


def merge_plan(collection_id: str, old: dict, body: dict, today: dt.date | None = None) -> dict:
    """The plan after applying ``body`` (a partial plan) to ``old``; 422 naming every bad field."""
    today = today or today_in_review_zone()
    errors: dict[str, tuple[str, str]] = {}
    if not isinstance(body, dict):
        raise ValidationFailed({"body": ("应为 JSON 对象", "must be a JSON object")})
    for key in set(body) - set(PLAN_KEYS) - {"reason"}:
        errors[key] = (f"未知字段，应为 {'、'.join(PLAN_KEYS)}", f"unknown field; expected {', '.join(PLAN_KEYS)}")
    plan = {**empty_plan(), **old, "stages": dict(old.get("stages") or {})}
    stages = body.get("stages", {})
    if not isinstance(stages, dict):
        errors["stages"] = ("应为对象：阶段 → 日期", "must be an object: stage -> dates")
        stages = {}
    for code, value in stages.items():
        merged = _stage(errors, collection_id, code, value, plan["stages"].get(code), today)
        if merged is None:
            plan["stages"].pop(code, None)
        else:
            plan["stages"][code] = merged
    for key in ("responsible_unit", "note"):
        if key in body:
            value = body[key]
            if value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
                errors[key] = (f"应为不超过 {MAX_TEXT} 字的文字", f"must be text of at most {MAX_TEXT} characters")
            plan[key] = value or None
    if "documents" in body:
        docs = body["documents"]
        if not isinstance(docs, list) or not all(isinstance(d, dict) and isinstance(d.get("ref"), str)
                                                 for d in docs):
            errors["documents"] = ("应为列表，每项含 ref（批复文号）", "must be a list of objects with ref (approval no.)")
        else:
            plan["documents"] = [{k: str(d[k]) for k in ("ref", "title", "url") if d.get(k)} for d in docs]
    if errors:
        raise ValidationFailed(errors)
    return plan


def current_plan(conn: Connection, collection_id: str, feature_id: str) -> tuple[dict | None, bool]:
    """The stored plan (None when there is none yet) and whether it is demo data; locked."""
    row = conn.execute(text(msql.PLAN_FOR_UPDATE), {"cid": collection_id, "fid": feature_id}).mappings().first()
    if row is None:
        return None, False
    return {k: row[k] for k in PLAN_KEYS}, row["demo"]


def apply_stage_edit(conn: Connection, collection_id: str, feature_id: str, body, principal: Principal, *,
                     if_match: str | None, require_if_match: bool, method: str = "PATCH", path: str = "",
                     today: dt.date | None = None) -> dict:
    check_lifecycle(collection_id)
    row = _load(conn, collection_id, feature_id)
    expected = expected_version(if_match, row["version"], require_if_match)
    stored, demo = current_plan(conn, collection_id, feature_id)
    # The first real report replaces the whole demo plan.
    old_plan = empty_plan() if stored is None or demo else stored
    plan = merge_plan(collection_id, old_plan, body if isinstance(body, dict) else None, today)
    status = derived_status(collection_id, plan["stages"], row["status"])
    if plan == old_plan and status == row["status"] and not demo:
        return {"version": row["version"], "changed": False, "plan": plan, "status": status}
    old_values, new_values = {"lifecycle": stored}, {"lifecycle": plan}
    if status != row["status"]:
        old_values["status"], new_values["status"] = row["status"], status
    version = _write(conn, collection_id, feature_id, row, plan, status)
    reason = body.get("reason") if isinstance(body.get("reason"), str) else None
    event = conn.execute(text(psql.INSERT_EVENT), {
        "collection_id": collection_id, "feature_id": feature_id, "actor": principal.name, "action": "stage",
        "old_values": json.dumps(old_values, ensure_ascii=False), "new_values": json.dumps(new_values, ensure_ascii=False),
        "reason": reason, "unconditional": expected is None, "version": version}).one()
    audit.record(conn, principal, method=method, path=path, status=200, action="stage",
                 collection_id=collection_id, feature_id=feature_id,
                 detail={"event_id": event.id, "version": version, "stages": sorted(plan["stages"]),
                         "status": status, "reason": reason})
    after_write(conn, WriteEvent(collection_id, (feature_id,), "stage", principal.name))
    return {"version": version, "changed": True, "plan": plan, "status": status, "event_id": event.id}


def _write(conn: Connection, collection_id: str, feature_id: str, row: dict, plan: dict, status: str) -> int:
    conn.execute(text(msql.UPSERT_PLAN), {
        "cid": collection_id, "fid": feature_id, "stages": json.dumps(plan["stages"], ensure_ascii=False),
        "responsible_unit": plan["responsible_unit"], "documents": json.dumps(plan["documents"], ensure_ascii=False),
        "note": plan["note"], "demo": False})
    columns = ["status"] if status != row["status"] else []
    update = psql.update_row_sql(collection_id, columns, geometry=False)
    version = conn.execute(text(update), {"fid": feature_id, "expected": row["version"], "status": status,
                                          "properties": json.dumps(row["properties"] or {}, ensure_ascii=False)
                                          }).scalar()
    if version is None:
        raise InvalidInput("要素已被修改，请刷新后重试", "the item changed; reload and retry", status=412,
                           code="stale_version")
    return version


def edit_stages(engine, collection_id: str, feature_id: str, body, principal: Principal, *,
                if_match: str | None, require_if_match: bool, path: str = "") -> dict:
    """One stage edit in its own transaction (the API's entry point)."""
    with engine.begin() as conn:
        return apply_stage_edit(conn, collection_id, feature_id, body, principal, if_match=if_match,
                                require_if_match=require_if_match, path=path)
