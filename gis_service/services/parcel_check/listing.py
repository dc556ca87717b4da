"""Past parcel-check reports, newest first, searchable by 宗地编码, Beijing date and verdict."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from gis_service.errors import BadParameter
from gis_service.services.parcel_check import rules
from gis_service.services.parcel_check.html_report import SHANGHAI, local_minute

# Attribute names a parcel's code goes by in 国土 files and clerks' GeoJSON (compared case-insensitively).
PARCEL_CODE_KEYS = ("宗地编码", "宗地代码", "宗地号", "zddm", "地块编号", "地块编码", "parcel_code", "parcel_id")
MAX_LIMIT = 500

LIST_SQL = text("""
SELECT id, created_at, actor, proposed_use, verdict, input_crs, result -> 'input' -> 'properties' AS properties
  FROM parcel_check_reports r
 WHERE (CAST(:verdict AS text) IS NULL OR verdict = :verdict)
   AND (CAST(:since AS timestamptz) IS NULL OR created_at >= :since)
   AND (CAST(:until AS timestamptz) IS NULL OR created_at < :until)
   AND (CAST(:code AS text) IS NULL OR EXISTS (
        SELECT 1 FROM jsonb_each_text(COALESCE(r.result -> 'input' -> 'properties', '{}'::jsonb)) kv
         WHERE lower(kv.key) = ANY(:keys) AND kv.value ILIKE :code))
 ORDER BY created_at DESC, id
 LIMIT :limit
""")


def _day(value: str | None, name: str) -> dt.datetime | None:
    """Midnight of a YYYY-MM-DD day, Asia/Shanghai."""
    if value in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadParameter(name, f"日期格式应为 YYYY-MM-DD，收到 {value!r}",
                           f"expected a YYYY-MM-DD date, got {value!r}") from None
    return dt.datetime.combine(day, dt.time(), SHANGHAI)


def parcel_code(properties: dict | None) -> str | None:
    for key, value in (properties or {}).items():
        if key.lower() in PARCEL_CODE_KEYS and value not in (None, ""):
            return str(value)
    return None


def list_reports(conn: Connection, base: str, *, code: str | None = None, date_from: str | None = None,
                 date_to: str | None = None, verdict: str | None = None, limit: int = 50) -> dict:
    if verdict not in (None, "") and verdict not in rules.VERDICTS:
        raise BadParameter("verdict", f"未知的结论 {verdict!r}", f"unknown verdict {verdict!r}",
                           detail={"allowed": list(rules.VERDICTS)})
    if not 1 <= limit <= MAX_LIMIT:
        raise BadParameter("limit", f"limit 应在 1–{MAX_LIMIT} 之间", f"limit must be 1–{MAX_LIMIT}")
    since, until = _day(date_from, "date_from"), _day(date_to, "date_to")
    until = until + dt.timedelta(days=1) if until else None  # date_to is inclusive
    escaped = (code or "").strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%" if escaped else None
    rows = conn.execute(LIST_SQL, {"verdict": verdict or None, "since": since, "until": until, "code": pattern,
                                   "keys": list(PARCEL_CODE_KEYS), "limit": limit}).mappings().all()
    reports = []
    for row in rows:
        zh, en = rules.VERDICTS[row["verdict"]]
        use = rules.USES.get(row["proposed_use"]) if row["proposed_use"] else None
        href = f"{base}/analysis/parcel-check/{row['id']}"
        reports.append({
            "id": row["id"], "created_at": row["created_at"].isoformat(),
            "created_local": local_minute(row["created_at"]), "actor": row["actor"],
            "parcel_code": parcel_code(row["properties"]), "verdict": row["verdict"], "verdict_zh": zh,
            "verdict_en": en, "proposed_use": row["proposed_use"], "proposed_use_zh": use[0] if use else None,
            "input_crs": row["input_crs"],
            "links": {"html": f"{href}?f=html", "pdf": f"{href}?f=pdf", "json": f"{href}?f=json",
                      "map": f"{base}/maps/parcel/{row['id']}"}})
    return {"type": "ParcelCheckReportList", "count": len(reports), "reports": reports,
            "filters": {"code": code or None, "date_from": date_from or None, "date_to": date_to or None,
                        "verdict": verdict or None, "limit": limit}}
