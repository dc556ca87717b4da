"""Bulk progress import from the CSV/XLSX sheets planners keep.

Every row goes through the same edit path as the API (validation, history,
audit), each inside a savepoint, all in one transaction. A dry run rolls the
whole transaction back, so the preview is exactly what applying would do.
Applying is all-or-nothing unless ``skip_invalid`` is chosen explicitly.
"""
from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from gis_service.auth.principal import Principal
from gis_service.db import post_write
from gis_service.errors import GisError, InvalidFile, InvalidInput
from gis_service.queries.progress import PROGRESS_NAMES
from gis_service.auth import audit
from gis_service.services.progress.edits import Edit, apply_edit
from gis_service.services.progress.vocab import FIELDS, is_progress_collection

MAX_ROWS = 10_000
# Header aliases, Chinese and English, as planners' sheets spell them.
HEADERS = {
    "collection": ("collection", "layer", "图层", "类别"),
    "id": ("id", "feature_id", "编号", "要素编号"),
    "name": ("name", "名称", "项目名称", "村名"),
    "status": ("status", "stage", "阶段", "状态", "进展阶段"),
    "percent_complete": ("percent_complete", "percent", "进度", "完成百分比", "完成比例"),
    "status_date": ("status_date", "date", "日期", "状态日期", "上报日期"),
    "progress_note": ("progress_note", "note", "说明", "备注", "进展说明"),
    "signing_rate": ("signing_rate", "签约率"),
    "vacated_rate": ("vacated_rate", "腾空率"),
    "demolished_area_m2": ("demolished_area_m2", "拆除面积", "拆除面积m2", "拆除面积(m²)"),
    "investment_planned_wan": ("investment_planned_wan", "计划投资", "计划投资(万元)", "计划投资（万元）"),
    "investment_completed_wan": ("investment_completed_wan", "完成投资", "完成投资(万元)", "完成投资（万元）"),
    "approval_no": ("approval_no", "批复文号", "文号"),
}
VALUE_FIELDS = [f.name for f in FIELDS]


@dataclass
class RowResult:
    row: int
    outcome: str                         # change | unchanged | error
    collection: str | None = None
    id: str | None = None
    name: str | None = None
    changes: dict = field(default_factory=dict)    # field -> {"old": .., "new": ..}
    errors: list = field(default_factory=list)     # [{"field", "message_zh", "message"}]


@dataclass
class ImportReport:
    file_name: str
    dry_run: bool
    skip_invalid: bool
    applied: bool
    rows: list[RowResult]

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    def as_dict(self) -> dict:
        return {"file": self.file_name, "dry_run": self.dry_run, "skip_invalid": self.skip_invalid,
                "applied": self.applied,
                "summary": {"rows": len(self.rows), "change": self.count("change"),
                            "unchanged": self.count("unchanged"), "error": self.count("error")},
                "errors": [r.__dict__ for r in self.rows if r.outcome == "error"],
                "changes": [r.__dict__ for r in self.rows if r.outcome == "change"],
                "unchanged": [r.__dict__ for r in self.rows if r.outcome == "unchanged"]}


class ImportRefused(InvalidInput):
    code = "import_refused"


def read_sheet(data: bytes, file_name: str, headers: dict = HEADERS) -> list[dict]:
    """Rows as {canonical column: value}, from CSV (UTF-8 or GBK) or XLSX (first sheet)."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # noqa: BLE001  (openpyxl raises many kinds for a bad file)
            raise InvalidFile(f"{file_name} 不是有效的 XLSX", f"{file_name} is not a readable XLSX: {exc}") from None
        table = [list(r) for r in sheet.iter_rows(values_only=True)]
    elif suffix in (".csv", ".txt"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                table = list(csv.reader(io.StringIO(data.decode(encoding))))
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InvalidFile(f"{file_name} 既不是 UTF-8 也不是 GBK 编码", f"{file_name} is neither UTF-8 nor GBK text")
    else:
        raise InvalidFile(f"{file_name}：只接受 CSV 或 XLSX", f"{file_name}: only CSV or XLSX sheets are accepted")
    table = [r for r in table if any(c not in (None, "") for c in r)]
    if not table:
        raise InvalidFile(f"{file_name} 是空表", f"{file_name} has no rows")
    header = [str(c or "").strip().lower().replace(" ", "") for c in table[0]]
    columns = {}
    for index, title in enumerate(header):
        for canonical, aliases in headers.items():
            if title in (a.lower() for a in aliases):
                columns[index] = canonical
    if not {"id", "name"} & set(columns.values()):
        raise InvalidFile(f"{file_name} 需要 id 或 名称 列", f"{file_name} needs an id or a name column",
                          detail={"header": header})
    if len(table) - 1 > MAX_ROWS:
        raise InvalidFile(f"{file_name} 超过 {MAX_ROWS} 行", f"{file_name} has more than {MAX_ROWS} rows")
    return [{columns[i]: (c.strip() if isinstance(c, str) else c) for i, c in enumerate(r) if i in columns}
            for r in table[1:]]


def _error(result: RowResult, name: str, zh: str, en: str) -> RowResult:
    result.outcome = "error"
    result.errors.append({"field": name, "message_zh": zh, "message": en})
    return result


class _Targets:
    """Sheet rows → features, by id or exact name; names may repeat across layers."""

    def __init__(self, conn: Connection):
        self.rows = conn.execute(text(PROGRESS_NAMES)).all()

    def resolve(self, result: RowResult, collection: str | None, fid: str | None, name: str | None):
        candidates = [r for r in self.rows if (collection is None or r.collection_id == collection)]
        if fid:
            found = [r for r in candidates if r.id == fid]
        else:
            found = [r for r in candidates if r.name == name]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            layers = sorted({r.collection_id for r in found})
            return _error(result, "collection", f"名称同时出现在 {layers}，请填写图层列",
                          f"name appears in {layers}; add a collection column")
        key, pool = (fid, [r.id for r in candidates]) if fid else (name, [r.name for r in candidates])
        close = difflib.get_close_matches(str(key), pool, n=3, cutoff=0.5)
        column = "id" if fid else "name"
        return _error(result, column, f"找不到 {key!r}；相近：{close}", f"no feature {key!r}; closest: {close}")


@dataclass
class Outcome:
    keep: bool = False   # set by the body: commit the trial's writes


@contextmanager
def trial_transaction(engine: Engine) -> Iterator[tuple[Connection, Outcome]]:
    """One transaction for an import: it commits only when the body sets ``outcome.keep``;
    a dry run, rows in error or an exception roll every row back (all-or-nothing)."""
    with engine.connect() as conn:
        transaction, outcome = conn.begin(), Outcome()
        try:
            yield conn, outcome
        except BaseException:
            transaction.rollback()
            raise
        if outcome.keep:
            transaction.commit()
        else:
            transaction.rollback()


def import_progress(engine: Engine, data: bytes, file_name: str, principal: Principal, *, dry_run: bool,
                    skip_invalid: bool, path: str = "gis-service progress import") -> ImportReport:
    sheet = read_sheet(data, file_name)
    results: list[RowResult] = []
    with trial_transaction(engine) as (conn, outcome):
        targets, seen = _Targets(conn), {}
        for number, values in enumerate(sheet, start=2):
            results.append(_one_row(conn, targets, seen, number, values, principal, file_name, path))
        errors = [r for r in results if r.outcome == "error"]
        applied = outcome.keep = not dry_run and (not errors or skip_invalid)
        if applied:
            audit.record(conn, principal, method="POST", path=path, status=200, action="import",
                         detail={"file": file_name, "changed": sum(r.outcome == "change" for r in results),
                                 "skipped": len(errors)})
            _announce(conn, results, principal)
    report = ImportReport(file_name, dry_run, skip_invalid, applied, results)
    if not dry_run and not applied:
        raise ImportRefused(f"{len(errors)} 行有错误，未导入任何行（可先 dry_run 预览，或明确选择 skip_invalid）",
                            f"{len(errors)} rows have errors; nothing was applied (preview with dry_run, or choose "
                            f"skip_invalid explicitly)", detail=report.as_dict())
    return report


def _announce(conn: Connection, results: list[RowResult], principal: Principal) -> None:
    """One post-write event per collection the sheet changed, with the ids it changed."""
    changed: dict[str, list[str]] = {}
    for r in results:
        if r.outcome == "change":
            changed.setdefault(r.collection, []).append(r.id)
    for collection_id, ids in changed.items():
        post_write.after_write(conn, post_write.WriteEvent(collection_id, tuple(ids), "import", principal.name))


def _one_row(conn, targets: _Targets, seen: dict, number: int, values: dict, principal: Principal,
             file_name: str, path: str) -> RowResult:
    collection = str(values.get("collection") or "").strip() or None
    fid = str(values.get("id") or "").strip() or None
    name = str(values.get("name") or "").strip() or None
    result = RowResult(number, "change", collection, fid, name)
    if collection and not is_progress_collection(collection):
        return _error(result, "collection", f"图层 {collection!r} 没有进展字段", f"collection {collection!r} has no progress")
    if not fid and not name:
        return _error(result, "id", "缺少编号或名称", "no id or name")
    target = targets.resolve(result, collection, fid, name)
    if target is result:
        return result
    result.collection, result.id, result.name = target.collection_id, target.id, target.name
    key = (target.collection_id, target.id)
    if key in seen:
        return _error(result, "id", f"与第 {seen[key]} 行重复", f"same feature as row {seen[key]}")
    seen[key] = number
    changes = {k: v for k, v in values.items() if k in VALUE_FIELDS and v not in (None, "")}
    edit = Edit(target.collection_id, target.id, changes=changes, reason=f"批量导入 / bulk import: {file_name} "
                f"row {number}", action="import", method="POST", path=path, announce=False)
    savepoint = conn.begin_nested()
    try:
        outcome = apply_edit(conn, edit, principal, require_if_match=False)
    except GisError as exc:
        savepoint.rollback()
        fields = exc.detail.get("fields") or {"row": {"message_zh": exc.message_zh, "message": exc.message_en}}
        for name_, message in fields.items():
            _error(result, name_, message["message_zh"], message["message"])
        return result
    savepoint.commit()
    if not outcome.changed:
        result.outcome = "unchanged"
    result.changes = {k: {"old": outcome.old_values[k], "new": outcome.new_values[k]}
                      for k in outcome.new_values if k != "properties"}
    return result
