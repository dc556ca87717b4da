"""Plan indicators (表2): yearly actuals and a computed status.

Status of a numeric indicator, from its latest recorded actual (year y, value v):
- ``achieved``: v meets the 2020 target (>=, >, <, <= per ``target_op``; ``=`` means
  "at least" for increasing indicators and "at most" for decreasing ones);
- caps (``direction = cap``): within the cap is ``on_track`` before 2020 and
  ``achieved`` from 2020; above it is ``behind``;
- otherwise ``on_track`` when v is at or past the plan's path for year y, and ``behind``
  when not (or when 2020 has passed). The path compounds the plan's annual rate from
  the 2015 baseline where the plan gives a plain rate ("6.5%"), else runs in a straight
  line from the baseline to the target;
- ``no_data`` without actuals, or without a baseline to draw the path.
Textual targets ("控制在省下达的指标之内") take a manual status recorded with an actual.
"""
from __future__ import annotations

import json
import math
import re

from sqlalchemy import Connection, text

from gis_service.auth.principal import Principal
from gis_service.db import post_write
from gis_service.db.models_progress import INDICATOR_STATUSES
from gis_service.errors import NotFound
from gis_service.queries import indicators as sql
from gis_service.auth import audit
from gis_service.services.progress.validation import ValidationFailed, today_in_review_zone

BASE_YEAR, TARGET_YEAR = 2015, 2020
STATUS_LABELS = {"achieved": "已实现", "on_track": "进度正常", "behind": "滞后", "no_data": "无数据"}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


def annual_rate(text_: str | None) -> float | None:
    match = _RATE.match(text_ or "")
    return float(match.group(1)) / 100 if match else None


def expected_value(baseline: float, target: float, rate: float | None, year: int, direction: str) -> float:
    years = year - BASE_YEAR
    if rate is not None:
        return baseline * (1 - rate) ** years if direction == "decrease" else baseline * (1 + rate) ** years
    return baseline + (target - baseline) * years / (TARGET_YEAR - BASE_YEAR)


def _meets(value: float, op: str | None, target: float, direction: str) -> bool:
    if op == ">":
        return value > target
    if op == ">=":
        return value >= target
    if op == "<":
        return value < target
    if op == "<=":
        return value <= target
    return value <= target if direction in ("decrease", "cap") else value >= target


def indicator_status(*, target_kind: str, direction: str | None, target_op: str | None, target: float | None,
                     baseline: float | None, rate_text: str | None, actuals: dict[int, float | None],
                     manual: str | None = None) -> tuple[str, float | None]:
    """(status, the path value expected for the latest year, if computed)."""
    direction = direction or "increase"
    if target_kind == "text" or target is None:
        return (manual or "no_data"), None
    measured = {y: v for y, v in actuals.items() if v is not None}
    if not measured:
        return "no_data", None
    year = max(measured)
    value = float(measured[year])
    met = _meets(value, target_op, float(target), direction)
    if direction == "cap":
        return ("achieved" if year >= TARGET_YEAR else "on_track") if met else "behind", None
    if met:
        return "achieved", None
    if year >= TARGET_YEAR:
        return "behind", None
    if baseline is None:
        return "no_data", None
    expected = expected_value(float(baseline), float(target), annual_rate(rate_text), year, direction)
    on_track = value <= expected if direction == "decrease" else value >= expected - 1e-9
    return ("on_track" if on_track else "behind"), round(expected, 4)


def _num(value) -> float | None:
    return None if value is None else float(value)


def list_indicators(conn: Connection) -> list[dict]:
    actuals: dict[str, list[dict]] = {}
    for row in conn.execute(text(sql.ACTUALS)).mappings():
        actuals.setdefault(row["code"], []).append(
            {"year": row["year"], "value": _num(row["value_num"]), "value_text": row["value_text"],
             "manual_status": row["manual_status"], "note": row["note"], "actor": row["actor"],
             "recorded_at": row["recorded_at"].isoformat()})
    parents = {r.parent_code for r in conn.execute(text(sql.PARENTS))}
    out = []
    for row in conn.execute(text(sql.INDICATORS)).mappings():
        recorded = actuals.get(row["code"], [])
        manual = next((a["manual_status"] for a in reversed(recorded) if a["manual_status"]), None)
        status, expected = indicator_status(
            target_kind=row["target_kind"], direction=row["direction"], target_op=row["target_op"],
            target=_num(row["target_value"]), baseline=_num(row["value_2015_num"]), rate_text=row["annual_rate"],
            actuals={a["year"]: a["value"] for a in recorded}, manual=manual)
        out.append({**{k: _num(v) if k in ("value_2015_num", "target_2020_num", "target_value") else v
                       for k, v in row.items()},
                    "is_group": row["code"] in parents, "actuals": recorded, "status": status,
                    "status_zh": STATUS_LABELS[status], "expected_for_latest_year": expected,
                    "demo": any(a["actor"] == "demo" for a in recorded)})
    return out


INDICATORS = "indicators"  # the collection id post-write events and the audit log use for indicators


def record_actual(conn: Connection, code: str, body: dict, principal: Principal, *, method: str = "POST",
                  path: str = "") -> dict:
    """Upsert one year's value (and/or a manual status for textual targets), with history."""
    indicator = conn.execute(text(sql.ONE), {"code": code}).mappings().first()
    if indicator is None:
        raise NotFound(f"没有指标 {code!r}", f"no indicator {code!r}", detail={"indicator": code})
    clean = _validate(indicator, body)
    old = conn.execute(text(sql.ACTUAL_FOR_UPDATE), {"code": code, "year": clean["year"]}).mappings().first()
    old_values = {k: _jsonable(old[k]) for k in ("value_num", "value_text", "manual_status", "note")} if old else {}
    new_values = {k: clean.get(k) for k in ("value_num", "value_text", "manual_status", "note")}
    row = conn.execute(text(sql.UPSERT_ACTUAL), {**new_values, "code": code, "year": clean["year"],
                                                 "actor": principal.name}).mappings().one()
    conn.execute(text(sql.INSERT_EVENT), {
        "feature_id": code, "actor": principal.name, "action": "indicator_actual",
        "old_values": json.dumps({"year": clean["year"], **old_values}, ensure_ascii=False),
        "new_values": json.dumps({"year": clean["year"], **new_values}, ensure_ascii=False),
        "reason": body.get("reason"), "version": row["version"]})
    audit.record(conn, principal, method=method, path=path, status=200, action="indicator_actual",
                 collection_id="indicators", feature_id=code, detail={"year": clean["year"], **new_values})
    post_write.after_write(conn, post_write.WriteEvent(INDICATORS, (code,), "update", principal.name))
    conn.commit()
    return {"code": code, "year": clean["year"], **new_values, "version": row["version"]}


def _jsonable(value):
    return float(value) if value is not None and not isinstance(value, (str, int)) else value


def _validate(indicator, body: dict) -> dict:
    errors: dict[str, tuple[str, str]] = {}
    this_year = today_in_review_zone().year
    year = body.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not BASE_YEAR < year <= min(this_year, 2030):
        errors["year"] = (f"年份应在 {BASE_YEAR + 1}–{this_year} 之间", f"year must be {BASE_YEAR + 1}–{this_year}")
    value, value_text = body.get("value"), body.get("value_text")
    manual = body.get("manual_status")
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or not math.isfinite(value) or abs(value) > 1e15):
        errors["value"] = ("应为有限数字", "must be a finite number")
    for name in ("value_text", "note"):
        if body.get(name) is not None and not isinstance(body.get(name), str):
            errors[name] = ("应为文字", "must be a string")
    if manual is not None:
        if indicator["target_kind"] != "text":
            errors["manual_status"] = ("数值目标的状态由系统计算", "numeric targets get a computed status")
        elif manual not in INDICATOR_STATUSES:
            errors["manual_status"] = (f"应为 {INDICATOR_STATUSES} 之一", f"must be one of {INDICATOR_STATUSES}")
    if value is None and manual is None and not value_text:
        errors["value"] = ("需要数值、文字值或人工状态", "give value, value_text or manual_status")
    if errors:
        raise ValidationFailed(errors)
    return {"year": year, "value_num": value, "value_text": value_text or None, "manual_status": manual,
            "note": (body.get("note") or None)}


def sparkline_svg(item: dict, width: int = 160, height: int = 40) -> str:
    """A tiny trend chart: baseline 2015, recorded actuals, and the 2020 target as a dashed line.
    Empty without a recorded numeric actual: the page then says 无数据 rather than draw a trend."""
    actuals = [(a["year"], a["value"]) for a in item["actuals"] if a["value"] is not None]
    if not actuals:
        return ""
    points = [(y, v) for y, v in [(BASE_YEAR, item["value_2015_num"]), *actuals] if v is not None]
    target = item["target_value"]
    values = [v for _, v in points] + ([target] if target is not None else [])
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0

    def xy(year: int, value: float) -> str:
        x = 4 + (year - BASE_YEAR) / (TARGET_YEAR - BASE_YEAR) * (width - 8)
        y = height - 4 - (value - low) / span * (height - 8)
        return f"{x:.1f},{y:.1f}"

    parts = [f'<svg class="spark" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="trend">']
    if target is not None:
        y = xy(TARGET_YEAR, target).split(",")[1]
        parts.append(f'<line x1="4" x2="{width - 4}" y1="{y}" y2="{y}" stroke="#9E9E9E" stroke-dasharray="3,2"/>')
    parts.append(f'<polyline fill="none" stroke="#1E88E5" stroke-width="1.5" '
                 f'points="{" ".join(xy(y, v) for y, v in points)}"/>')
    parts += [f'<circle cx="{xy(y, v).split(",")[0]}" cy="{xy(y, v).split(",")[1]}" r="2" fill="#1E88E5"/>'
              for y, v in points]
    parts.append("</svg>")
    return "".join(parts)
