"""Reading the warning register and the two human steps on a warning: acknowledge and close.
Both need an editor key, are audited, and never delete anything."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, text

from gis_service import vocab
from gis_service.auth.principal import Principal
from gis_service.db.models_monitoring import WARNING_SEVERITIES, WARNING_STATUSES
from gis_service.errors import InvalidInput, NotFound
from gis_service.queries import monitoring as sql
from gis_service.queries.progress import as_of_cutoff
from gis_service.auth import audit
from gis_service.services.progress.validation import ValidationFailed, today_in_review_zone
from gis_service.vocab import LOCAL_TZ

SHANGHAI = LOCAL_TZ
STATUS_ZH = {"open": "未处理", "acknowledged": "已确认", "closed": "已关闭", "cleared": "已消除"}
RULE_ZH = {"overdue": "逾期", "stalled": "停滞", "suspended": "暂停", "indicator_threshold": "指标预警",
           "conflict": "冲突"}
MAX_COMMENT = 2000
# Chinese-first headers of the CSV/XLSX register.
TABLE_COLUMNS = (("id", "编号 id"), ("severity_zh", "等级 severity"), ("rule_zh", "类型 rule"),
                 ("subject_id", "对象 subject"), ("reason_zh", "原因"), ("reason_en", "reason"),
                 ("status_zh", "状态 status"), ("raised_at", "发出时间 raised"),
                 ("acknowledged_by", "确认人 acknowledged by"), ("acknowledged_at", "确认时间 acknowledged"),
                 ("acknowledged_comment", "确认说明 comment"), ("closed_by", "关闭人 closed by"),
                 ("closed_at", "关闭时间 closed"), ("closed_comment", "关闭说明 comment"),
                 ("cleared_at", "消除时间 cleared"), ("link", "链接 link"))


def _local(value: dt.datetime | None) -> str | None:
    return value.astimezone(SHANGHAI).isoformat(timespec="seconds") if value else None


def describe(row) -> dict:
    out = {k: row[k] for k in row.keys()}
    for key in ("raised_at", "acknowledged_at", "closed_at", "cleared_at"):
        out[key] = _local(row[key])
    out.update(severity_zh=vocab.WARNING_SEVERITIES[row["severity"]].zh,
               status_zh=STATUS_ZH.get(row["status"], row["status"]),
               rule_zh=RULE_ZH.get(row["rule"], row["rule"]), demo=bool((row["detail"] or {}).get("demo")),
               active=row["cleared_at"] is None and row["status"] != "closed")
    return out


def _choice(name: str, value: str | None, allowed) -> str | None:
    if value is not None and value not in allowed:
        raise InvalidInput(f"参数 {name} 应为 {'、'.join(allowed)} 之一", f"{name} must be one of {', '.join(allowed)}",
                           status=400, code="invalid_parameter", detail={"parameter": name, "value": value})
    return value


def list_warnings(conn: Connection, *, status: str | None = None, severity: str | None = None,
                  rule: str | None = None, active: bool | None = None, year: int | None = None,
                  as_of: dt.date | None = None, limit: int = 1000) -> list[dict]:
    """Newest first. ``as_of``: the warnings that were open (raised, neither cleared nor closed)
    at the end of that day, Asia/Shanghai."""
    if year is not None and not 2016 <= year <= today_in_review_zone().year:
        raise InvalidInput(f"year 应在 2016–{today_in_review_zone().year} 之间",
                           f"year must be 2016-{today_in_review_zone().year}", status=400,
                           code="invalid_parameter", detail={"parameter": "year", "value": year})
    params = {"status": _choice("status", status, WARNING_STATUSES),
              "severity": _choice("severity", severity, WARNING_SEVERITIES), "rule": rule, "active": active,
              "year": year, "at": as_of and as_of_cutoff(as_of), "limit": max(1, min(limit, 10_000))}
    return [describe(r) for r in conn.execute(text(sql.LIST_WARNINGS), params).mappings()]


def warnings_table(rows: list[dict]) -> list[dict]:
    return [{title: r.get(key) for key, title in TABLE_COLUMNS} for r in rows]


def _comment(body) -> str | None:
    if body is None:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("comment", ""), (str, type(None))):
        raise ValidationFailed({"comment": ("应为文字", "must be a string")})
    comment = (body.get("comment") or "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise ValidationFailed({"comment": (f"不超过 {MAX_COMMENT} 字", f"at most {MAX_COMMENT} characters")})
    return comment


def act(engine: Engine, warning_id: int, step: str, body, principal: Principal, *, path: str = "") -> dict:
    """``step``: acknowledge | close. A closed warning cannot be acknowledged or closed again."""
    comment = _comment(body)
    with engine.begin() as conn:
        row = conn.execute(text(sql.WARNING_FOR_UPDATE), {"id": warning_id}).mappings().first()
        if row is None:
            raise NotFound(f"没有预警 {warning_id}", f"no warning {warning_id}", detail={"warning": warning_id})
        if row["status"] == "closed" or (step == "acknowledge" and row["status"] != "open"):
            verb = "确认" if step == "acknowledge" else "关闭"
            raise InvalidInput(f"预警 {warning_id} 状态为 {STATUS_ZH[row['status']]}，不能{verb}",
                               f"warning {warning_id} is {row['status']}; it cannot be {step}d", status=409,
                               code="warning_state", detail={"warning": warning_id, "status": row["status"]})
        query = sql.ACKNOWLEDGE if step == "acknowledge" else sql.CLOSE
        updated = conn.execute(text(query), {"id": warning_id, "actor": principal.name,
                                             "comment": comment}).mappings().one()
        audit.record(conn, principal, method="POST", path=path, status=200, action=f"warning_{step}",
                     detail={"warning": warning_id, "rule": row["rule"], "subject": row["subject_id"],
                             "comment": comment})
        return describe(updated)
