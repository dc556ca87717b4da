"""Indicator definitions (指标模型): 口径 (what is counted), formula, data source, responsible unit and
reporting frequency, per 表2 indicator. Entered by an editor, audited; missing fields read 无数据."""
from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from gis_service.auth.principal import Principal
from gis_service.errors import NotFound
from gis_service.queries import indicators as isql
from gis_service.queries import monitoring as sql
from gis_service.auth import audit
from gis_service.services.progress.validation import ValidationFailed

FIELDS = {"caliber": "口径", "formula": "计算公式", "data_source": "数据来源", "responsible_unit": "责任单位",
          "frequency": "上报频率"}
MAX_TEXT = 2000


def definitions(conn: Connection) -> dict[str, dict]:
    return {r["code"]: {k: r[k] for k in FIELDS} for r in conn.execute(text(sql.MONITORING_SETTINGS)).mappings()}


def set_definition(engine: Engine, code: str, body, principal: Principal, *, path: str = "") -> dict:
    """Replace the definition of ``code`` (fields not given become empty)."""
    with engine.begin() as conn:  # one unit of work, committed here
        if conn.execute(text(isql.ONE), {"code": code}).first() is None:
            raise NotFound(f"没有指标 {code!r}", f"no indicator {code!r}", detail={"indicator": code})
        if not isinstance(body, dict):
            raise ValidationFailed({"body": ("应为 JSON 对象", "must be a JSON object")})
        errors = {k: (f"未知字段，应为 {'、'.join(FIELDS)}", f"unknown field; expected {', '.join(FIELDS)}")
                  for k in body if k not in FIELDS}
        for key in FIELDS:
            value = body.get(key)
            if value is not None and (not isinstance(value, str) or len(value) > MAX_TEXT):
                errors[key] = (f"{FIELDS[key]}应为不超过 {MAX_TEXT} 字的文字",
                               f"{key} must be text of at most {MAX_TEXT} characters")
        if errors:
            raise ValidationFailed(errors)
        clean = {k: (body.get(k) or "").strip() or None for k in FIELDS}
        row = conn.execute(text(sql.UPSERT_DEFINITION), {**clean, "code": code, "actor": principal.name}).mappings().one()
        audit.record(conn, principal, method="PUT", path=path, status=200, action="indicator_definition",
                     collection_id="indicators", feature_id=code, detail=clean)
        return {**{k: row[k] for k in ("code", *FIELDS, "updated_by")}, "updated_at": row["updated_at"].isoformat()}
