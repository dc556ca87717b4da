"""红黄绿 grades of the 表2 indicators, beside the existing achieved/on_track/behind/no_data status.

The trajectory is ``indicators.expected_value`` for every year 2015–2020 (the plan's rate
compounded, else a straight line); after 2020 it holds at the target. The grade compares a
year's actual with that year's trajectory value: the relative shortfall, signed by the
indicator's direction (a cap compares with the cap), within ``yellow_at`` is 绿, within
``red_at`` 黄, beyond 红. Thresholds default to 5 % / 15 % and are set per indicator.
"""
from __future__ import annotations

from sqlalchemy import Connection, Engine, text

from gis_service.auth.principal import Principal
from gis_service.db.post_write import WriteEvent, after_write
from gis_service import vocab
from gis_service.errors import NotFound
from gis_service.queries import indicators as isql
from gis_service.queries import monitoring as sql
from gis_service.auth import audit
from gis_service.services.progress.indicators import (
    BASE_YEAR, TARGET_YEAR, annual_rate, expected_value, list_indicators,
)
from gis_service.services.progress.validation import ValidationFailed

DEFAULT_THRESHOLDS = (0.05, 0.15)
GRADES = vocab.INDICATOR_GRADES


def trajectory(item: dict) -> dict[int, float] | None:
    """Expected value per year 2015–2020, or None when the plan gives no path (text, no baseline)."""
    target, baseline = item.get("target_value"), item.get("value_2015_num")
    if item["target_kind"] != "numeric" or target is None:
        return None
    direction = item.get("direction") or "increase"
    if direction == "cap":
        return {y: float(target) for y in range(BASE_YEAR, TARGET_YEAR + 1)}
    if baseline is None:
        return None
    rate = annual_rate(item.get("annual_rate"))
    return {y: round(expected_value(float(baseline), float(target), rate, y, direction), 6)
            for y in range(BASE_YEAR, TARGET_YEAR + 1)}


def shortfall(actual: float, expected: float, direction: str) -> float:
    """Positive: worse than the path by that fraction of it; negative: ahead of it."""
    gap = (actual - expected) if direction in ("decrease", "cap") else (expected - actual)
    return gap / abs(expected) if expected else (0.0 if gap <= 0 else float("inf"))


def grade_of(value: float, yellow_at: float, red_at: float) -> str:
    return "green" if value <= yellow_at else "yellow" if value <= red_at else "red"


def thresholds(conn: Connection) -> dict[str, tuple[float, float]]:
    return {r["code"]: (float(r["yellow_at"]), float(r["red_at"]))
            for r in conn.execute(text(sql.MONITORING_SETTINGS)).mappings()}


def grade_item(item: dict, limits: tuple[float, float], year: int | None = None) -> dict:
    """The grade of one indicator for its latest actual up to ``year`` (or the latest)."""
    path = trajectory(item)
    recorded = [a for a in item["actuals"] if a["value"] is not None and (year is None or a["year"] <= year)]
    out = {"code": item["code"], "trajectory": path, "yellow_at": limits[0], "red_at": limits[1],
           "grade": "no_data", "grade_zh": GRADES["no_data"].zh, "year": None, "actual": None,
           "expected": None, "shortfall": None, "demo": any(a["actor"] == "demo" for a in recorded)}
    if path is None or not recorded:
        return out
    latest = max(recorded, key=lambda a: a["year"])
    expected = path.get(latest["year"], path[TARGET_YEAR])
    gap = shortfall(float(latest["value"]), expected, item.get("direction") or "increase")
    grade = grade_of(gap, *limits)
    return {**out, "grade": grade, "grade_zh": GRADES[grade].zh, "year": latest["year"],
            "actual": float(latest["value"]), "expected": expected, "shortfall": round(gap, 6)}


def graded_indicators(conn: Connection, year: int | None = None) -> list[dict]:
    from gis_service.services.monitoring.definitions import FIELDS, definitions

    limits, defined = thresholds(conn), definitions(conn)
    empty = dict.fromkeys(FIELDS)
    return [{**item, **grade_item(item, limits.get(item["code"], DEFAULT_THRESHOLDS), year),
             "definition": defined.get(item["code"], empty)} for item in list_indicators(conn)]


def set_thresholds(engine: Engine, code: str, body, principal: Principal, *, method: str = "PUT",
                   path: str = "") -> dict:
    with engine.begin() as conn:  # one unit of work, committed here
        if conn.execute(text(isql.ONE), {"code": code}).first() is None:
            raise NotFound(f"没有指标 {code!r}", f"no indicator {code!r}", detail={"indicator": code})
        yellow, red = _validate(body)
        row = conn.execute(text(sql.UPSERT_THRESHOLDS), {"code": code, "yellow_at": yellow, "red_at": red,
                                                         "actor": principal.name}).mappings().one()
        audit.record(conn, principal, method=method, path=path, status=200, action="indicator_thresholds",
                     collection_id="indicators", feature_id=code, detail={"yellow_at": yellow, "red_at": red})
        after_write(conn, WriteEvent("indicators", (code,), "update", principal.name))
        return {"code": code, "yellow_at": float(row["yellow_at"]), "red_at": float(row["red_at"]),
                "updated_by": row["updated_by"], "updated_at": row["updated_at"].isoformat()}


def _validate(body) -> tuple[float, float]:
    if not isinstance(body, dict):
        raise ValidationFailed({"body": ("应为 JSON 对象 {yellow_at, red_at}", "must be an object {yellow_at, red_at}")})
    errors, values = {}, []
    for name in ("yellow_at", "red_at"):
        value = body.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 10:
            errors[name] = ("应为 0–10 之间的数（相对偏差，0.05 即 5%）",
                            "must be a number 0-10 (relative deviation, 0.05 = 5 %)")
        values.append(value)
    if not errors and not values[0] < values[1]:
        errors["red_at"] = (f"阈值应递增：黄 {values[0]} < 红 {values[1]}",
                            f"thresholds must increase: yellow_at {values[0]} < red_at {values[1]}")
    if errors:
        raise ValidationFailed(errors)
    return float(values[0]), float(values[1])
