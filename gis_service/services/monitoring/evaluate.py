"""The monitoring rules: which warning conditions hold now, fed to the register after each write.

Rules: ``overdue`` and ``stalled`` and ``suspended`` on scheduled works; ``indicator_threshold``
when a 表2 indicator grades 黄 or 红. A write re-evaluates only the subjects it touched.
"""
from __future__ import annotations

from sqlalchemy import Connection, text

from gis_service.db.models import PROGRESS_COLLECTIONS
from gis_service.db.post_write import WriteEvent
from gis_service.services.monitoring import flags, grades
from gis_service.services.monitoring.register import Condition, sync_conditions

SOURCE = "monitoring"


def work_conditions(work: dict, stalled_days: int = flags.STALLED_DAYS) -> list[Condition]:
    subject = f"{work['collection']}/{work['id']}"
    # Demo values say so wherever they show, the warning's reason included.
    name, out = ("【演示数据】" if work["demo"] else "") + work["name"], []
    facts = {"status": work["status"], "last_report": work["last_report"], "demo": work["demo"]}
    if work["overdue"]:
        late = work["overdue_stages"]
        stages_zh = "、".join(f"{s['stage_zh']}（计划 {s['planned_end']} 完成）" for s in late)
        stages_en = ", ".join(f"{s['stage_en']} (planned end {s['planned_end']})" for s in late)
        out.append(Condition("overdue", "feature", subject, "red", f"{name}：{stages_zh}已逾期未完成",
                             f"{name}: overdue, no actual end for {stages_en}", work["link"],
                             {**facts, "stages": [s["stage"] for s in late]}))
    if work["stalled"]:
        out.append(Condition("stalled", "feature", subject, "yellow",
                             f"{name}：自 {work['last_report']} 起超过 {stalled_days} 天无进展上报",
                             f"{name}: no report for more than {stalled_days} days since {work['last_report']}",
                             work["link"], {**facts, "stalled_days": stalled_days}))
    if work["suspended"]:
        out.append(Condition("suspended", "feature", subject, "yellow", f"{name}：项目暂停/缓建",
                             f"{name}: suspended", work["link"], facts))
    return out


def indicator_conditions(item: dict) -> list[Condition]:
    if item["grade"] not in ("yellow", "red"):
        return []
    pct = round(item["shortfall"] * 100, 1)
    return [Condition(
        "indicator_threshold", "indicator", item["code"], item["grade"],
        f"{item['name']}：{item['year']} 年实际 {item['actual']:g}，低于预期轨迹 {item['expected']:g}（偏差 {pct}%），"
        f"{grades.GRADES[item['grade']].zh}灯",
        f"{item['name']}: {item['year']} actual {item['actual']:g} is {pct} % off the trajectory value "
        f"{item['expected']:g} ({item['grade']})",
        f"/indicators/{item['code']}",
        {"year": item["year"], "actual": item["actual"], "expected": item["expected"],
         "shortfall": item["shortfall"], "yellow_at": item["yellow_at"], "red_at": item["red_at"],
         "demo": item["demo"]})]


def evaluate_works(conn: Connection, collection_id: str, ids: list[str] | None) -> None:
    works = flags.works(conn, collection_id, ids=ids)
    scope = None if ids is None else [f"{collection_id}/{i}" for i in ids]
    conditions = [c for w in works for c in work_conditions(w)]
    if scope is None:  # a whole collection: scope is its subjects, not every subject of the source
        scope = [f"{collection_id}/{w['id']}" for w in works]
        scope += _retired_subjects(conn, collection_id)
    sync_conditions(conn, SOURCE, conditions, scope)


def _retired_subjects(conn: Connection, collection_id: str) -> list[str]:
    rows = conn.execute(text("SELECT subject_id FROM warnings WHERE source = :s AND cleared_at IS NULL "
                             "AND subject_id LIKE :prefix"), {"s": SOURCE, "prefix": f"{collection_id}/%"})
    return [r.subject_id for r in rows]


def evaluate_indicators(conn: Connection, codes: list[str] | None) -> None:
    items = [i for i in grades.graded_indicators(conn) if codes is None or i["code"] in codes]
    scope = codes if codes is not None else [i["code"] for i in items]
    sync_conditions(conn, SOURCE, [c for i in items for c in indicator_conditions(i)], scope)


def on_write(conn: Connection, event: WriteEvent) -> None:
    """The post-write subscriber: re-evaluate what the write touched."""
    ids = list(event.feature_ids) or None
    if event.collection_id in PROGRESS_COLLECTIONS:
        evaluate_works(conn, event.collection_id, ids)
    elif event.collection_id == "indicators":
        evaluate_indicators(conn, ids)


def evaluate_all(conn: Connection) -> None:
    """Every rule on every subject (the passage of time makes works stalled or overdue)."""
    for collection_id in PROGRESS_COLLECTIONS:
        evaluate_works(conn, collection_id, None)
    evaluate_indicators(conn, None)


def evaluate_everything(engine, principal, *, path: str = "") -> dict:
    """``evaluate_all`` in its own transaction, audited; returns the active warning counts."""
    from gis_service.auth import audit

    with engine.begin() as conn:
        evaluate_all(conn)
        counts = dict(conn.execute(text("SELECT severity, count(*) FROM warnings WHERE cleared_at IS NULL "
                                        "AND status <> 'closed' GROUP BY severity")).all())
        audit.record(conn, principal, method="POST", path=path, status=200, action="warnings_evaluate",
                     detail={"active": counts})
    return {"active": counts}
