"""Keep the stored conflict register (and the warnings it raises) equal to the current conflicts.

Runs after every write that can change it (``on_write``, a ``db.post_write`` subscriber): a write
to a subject feature re-evaluates that feature only; a write to a layer checked against (zones,
ecology sites, rivers) or a whole-collection write (a load) re-evaluates everything.
"""
from __future__ import annotations

from sqlalchemy import Connection, text

from gis_service.db.post_write import WriteEvent
from gis_service.queries import plan_analysis_conflicts as sql
from gis_service.services.analysis import conflict_rules as cr
from gis_service.services.analysis.conflicts import current_conflicts
from gis_service.services.monitoring.register import Condition, sync_conditions
from gis_service.services.parcel_check import rules

SOURCE = "conflicts"
OBJECT_LAYERS = ("function_zones", "ecology_sites", "green_corridors")
SUBJECT_LAYERS = ("projects", "urban_village_sites")


def recompute(conn: Connection, subjects: list[str] | None = None) -> dict:
    """Re-evaluate ``subjects`` (``collection/id`` keys; None = every feature). Returns counts."""
    found = current_conflicts(conn, subjects)
    keys = {c["conflict_key"] for c in found}
    stale = [r.id for r in conn.execute(sql.OPEN_SQL, {"subjects": subjects}) if r.conflict_key not in keys]
    if stale:
        conn.execute(sql.CLOSE_SQL, {"ids": stale})
    if found:
        conn.execute(sql.UPSERT_SQL, found)
    sync_conditions(conn, SOURCE, _conditions(found), scope=subjects)
    return {"open": len(found), "closed": len(stale)}


def _conditions(found: list[dict]) -> list[Condition]:
    """One warning per feature: its worst conflict decides the severity; all are in the detail."""
    by_subject: dict[str, list[dict]] = {}
    for c in found:
        by_subject.setdefault(f"{c['subject_collection']}/{c['subject_id']}", []).append(c)
    out = []
    for subject, items in sorted(by_subject.items()):
        worst = rules.worst(c["severity"] for c in items)
        names = "、".join(sorted({c["object_name"] for c in items}))
        first = items[0]
        out.append(Condition(
            rule="conflict", subject_type="feature", subject_id=subject,
            severity=cr.WARNING_SEVERITY[worst],
            reason_zh=f"{first['subject_name']}与{names}存在规划冲突（{rules.SEVERITY_ZH[worst]}）",
            reason_en=f"{first['subject_name']} conflicts with {names} ({worst})",
            link=f"/collections/{first['subject_collection']}/items/{first['subject_id']}",
            detail={"conflicts": [{"key": c["conflict_key"], "severity": c["severity"],
                                   "overlap_m2": c["overlap_m2"], "length_m": c["length_m"],
                                   "distance_m": c["distance_m"]} for c in items]}))
    return out


def _is_user_layer(conn: Connection, collection_id: str) -> bool:
    return bool(conn.execute(text("SELECT 1 FROM layer_meta WHERE collection_id = :c AND kind = 'user'"),
                             {"c": collection_id}).first())


def on_write(conn: Connection, event: WriteEvent) -> None:
    """The post-write subscriber: incremental for the written subject features."""
    cid = event.collection_id
    if cid in OBJECT_LAYERS or (not event.feature_ids and cid in SUBJECT_LAYERS):
        recompute(conn, None)
    elif cid in SUBJECT_LAYERS or _is_user_layer(conn, cid):
        if event.feature_ids:
            recompute(conn, [f"{cid}/{fid}" for fid in event.feature_ids])
        else:
            recompute(conn, None)
