"""Load layers/indicators.csv (表2) into the indicators table, replacing it whole.

Recorded yearly actuals live in ``indicator_actuals`` and survive a reload."""
from __future__ import annotations

import csv
import re
from pathlib import Path

from sqlalchemy import Engine, text

from gis_service.db import post_write
from gis_service.errors import InvalidFile

COLUMNS = ("code", "group", "name", "unit", "value_2015", "target_2020", "annual_rate",
           "attribute", "direction", "target_kind")
_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?$")


def _number(value: str | None) -> float | None:
    value = (value or "").strip()
    return float(value) if _NUMBER.match(value) else None


def read_indicators(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidFile(f"{path.name} 缺少列 {missing}", f"{path.name}: missing columns {missing}",
                              detail={"file": path.name, "missing": missing})
        rows = []
        for line, rec in enumerate(reader, start=2):
            if not rec["code"] or not rec["name"]:
                raise InvalidFile(f"{path.name} 第 {line} 行缺少编号或名称",
                                  f"{path.name} line {line}: code and name are required",
                                  detail={"file": path.name, "line": line})
            kind = rec["target_kind"] or "numeric"
            if kind not in ("numeric", "text"):
                raise InvalidFile(f"{path.name} 第 {line} 行 target_kind 无效",
                                  f"{path.name} line {line}: target_kind must be numeric or text",
                                  detail={"file": path.name, "line": line})
            rows.append({
                "code": rec["code"], "sort_order": line - 1, "group_name": rec["group"] or None,
                "name": rec["name"], "unit": rec["unit"] or None,
                "value_2015": rec["value_2015"] or None, "target_2020": rec["target_2020"] or None,
                "annual_rate": rec["annual_rate"] or None, "attribute": rec["attribute"] or None,
                "direction": rec["direction"] or None, "target_kind": kind,
                "value_2015_num": _number(rec["value_2015"]),
                "target_2020_num": _number(rec["target_2020"]),
                # Optional columns, used by the indicator status (services/progress/indicators.py).
                "parent_code": rec.get("parent") or None, "target_op": rec.get("target_op") or None,
                "target_value": _number(rec.get("target_value")), "source_note": rec.get("note") or None,
            })
    return rows


def load_indicators(engine: Engine, path: Path) -> int:
    if not path.exists():
        return 0
    rows = read_indicators(path)
    columns = list(rows[0]) if rows else []
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM indicators"))
        if rows:
            conn.execute(text(f"INSERT INTO indicators ({', '.join(columns)}) "
                              f"VALUES ({', '.join(':' + c for c in columns)})"), rows)
        post_write.after_write(conn, post_write.WriteEvent("indicators", tuple(r["code"] for r in rows), "load"))
    return len(rows)
