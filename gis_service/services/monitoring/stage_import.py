"""Bulk import of stage plans from CSV/XLSX: one row per (work, stage).

Rows are checked one by one (stage, dates), then each work's rows are applied as one stage
edit through the same path as the API (history, audit, derived status, re-evaluation), each
in a savepoint, all in one transaction. A dry run rolls everything back, so the preview is
exactly what applying would do; applying is all-or-nothing.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from gis_service.auth.principal import Principal
from gis_service.errors import GisError
from gis_service.services.monitoring.lifecycle import apply_stage_edit, empty_plan, merge_plan
from gis_service.auth import audit
from gis_service.services.progress.bulk import (
    ImportRefused, ImportReport, RowResult, _error, _Targets, read_sheet, trial_transaction,
)
from gis_service.vocab import LIFECYCLE_COLLECTIONS, STAGE_DATE_FIELDS, lifecycle

HEADERS = {
    "collection": ("collection", "layer", "图层", "类别"),
    "id": ("id", "feature_id", "编号", "要素编号"),
    "name": ("name", "名称", "项目名称", "村名"),
    "stage": ("stage", "阶段", "生命周期阶段"),
    "planned_start": ("planned_start", "计划开始", "计划开始日期"),
    "planned_end": ("planned_end", "计划完成", "计划结束", "计划完成日期"),
    "actual_start": ("actual_start", "实际开始", "实际开始日期"),
    "actual_end": ("actual_end", "实际完成", "实际结束", "实际完成日期"),
    "responsible_unit": ("responsible_unit", "责任单位"),
}


def stage_from_sheet(collection_id: str, value) -> str | None:
    """A stage code or its Chinese name (or either half of a name like 竣工/核实)."""
    value = str(value or "").strip()
    for code, (zh, en, _) in lifecycle(collection_id).items():
        if value in (code, zh, en) or value in zh.split("/"):
            return code
    return None


def _date_text(value):
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip() if value not in (None, "") else None


def _check_row(result: RowResult, values: dict, today: dt.date | None) -> dict | None:
    """The row's stage dates, or None after recording its errors."""
    stage = stage_from_sheet(result.collection, values.get("stage"))
    if stage is None:
        names = "、".join(v[0] for v in lifecycle(result.collection).values())
        _error(result, "stage", f"未知阶段 {values.get('stage')!r}，应为 {names} 之一",
               f"unknown stage {values.get('stage')!r}; expected one of {', '.join(lifecycle(result.collection))}")
        return None
    dates = {k: _date_text(values.get(k)) for k in STAGE_DATE_FIELDS if values.get(k) not in (None, "")}
    try:
        merge_plan(result.collection, empty_plan(), {"stages": {stage: dates}}, today)
    except GisError as exc:
        for name, message in (exc.detail.get("fields") or {}).items():
            _error(result, name.rsplit(".", 1)[-1], message["message_zh"], message["message"])
        return None
    return {"stage": stage, "dates": dates}


def _resolve(targets: _Targets, seen: dict, number: int, values: dict, today) -> tuple[RowResult, dict | None]:
    collection = str(values.get("collection") or "").strip() or None
    fid, name = (str(values.get(k) or "").strip() or None for k in ("id", "name"))
    result = RowResult(number, "change", collection, fid, name)
    if collection and collection not in LIFECYCLE_COLLECTIONS:
        return _error(result, "collection", f"图层 {collection!r} 没有生命周期阶段",
                      f"collection {collection!r} has no lifecycle stages"), None
    if not fid and not name:
        return _error(result, "id", "缺少编号或名称", "no id or name"), None
    target = targets.resolve(result, collection, fid, name)
    if target is result:
        return result, None
    result.collection, result.id, result.name = target.collection_id, target.id, target.name
    checked = _check_row(result, values, today)
    if checked is None:
        return result, None
    key = (target.collection_id, target.id, checked["stage"])
    if key in seen:
        return _error(result, "stage", f"与第 {seen[key]} 行重复", f"same work and stage as row {seen[key]}"), None
    seen[key] = number
    return result, {**checked, "responsible_unit": values.get("responsible_unit")}


def import_stage_plans(engine: Engine, data: bytes, file_name: str, principal: Principal, *, dry_run: bool,
                       path: str = "/monitoring/stages/import", today: dt.date | None = None) -> ImportReport:
    sheet = read_sheet(data, file_name, HEADERS)
    with trial_transaction(engine) as (conn, outcome):
        targets, seen, results, works = _Targets(conn), {}, [], {}
        targets.rows = [r for r in targets.rows if r.collection_id in LIFECYCLE_COLLECTIONS]
        for number, values in enumerate(sheet, start=2):
            result, row = _resolve(targets, seen, number, values, today)
            results.append(result)
            if row is not None:
                works.setdefault((result.collection, result.id), []).append((result, row))
        errors = [r for r in results if r.outcome == "error"]
        if not errors:
            for (collection_id, fid), rows in works.items():
                _apply(conn, collection_id, fid, rows, principal, file_name, path, today)
        errors = [r for r in results if r.outcome == "error"]
        applied = outcome.keep = not dry_run and not errors
        if applied:
            audit.record(conn, principal, method="POST", path=path, status=200, action="stage_import",
                         detail={"file": file_name, "works": len(works), "rows": len(results)})
    report = ImportReport(file_name, dry_run, False, applied, results)
    if not dry_run and not applied:
        raise ImportRefused(f"{len(errors)} 行有错误，未导入任何行（可先 dry_run 预览）",
                            f"{len(errors)} rows have errors; nothing was applied (preview with dry_run)",
                            detail=report.as_dict())
    return report


def _apply(conn, collection_id: str, fid: str, rows: list, principal: Principal, file_name: str, path: str,
           today) -> None:
    body = {"stages": {row["stage"]: row["dates"] for _, row in rows},
            "reason": f"阶段计划导入 / stage plan import: {file_name}"}
    units = {str(row["responsible_unit"]).strip() for _, row in rows if row["responsible_unit"]}
    if units:
        body["responsible_unit"] = "、".join(sorted(units))
    savepoint = conn.begin_nested()
    try:
        outcome = apply_stage_edit(conn, collection_id, fid, body, principal, if_match=None,
                                   require_if_match=False, method="POST", path=path, today=today)
    except GisError as exc:
        savepoint.rollback()
        fields = exc.detail.get("fields") or {"row": {"message_zh": exc.message_zh, "message": exc.message_en}}
        for result, _ in rows:
            for name, message in fields.items():
                _error(result, name, message["message_zh"], message["message"])
        return
    savepoint.commit()
    for result, row in rows:
        result.outcome = "change" if outcome["changed"] else "unchanged"
        result.changes = {row["stage"]: outcome["plan"]["stages"].get(row["stage"])}
