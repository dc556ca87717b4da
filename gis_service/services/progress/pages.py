"""What the progress pages show: the filtered list, and one item with its form, history and photos."""
from __future__ import annotations

from sqlalchemy import Connection, text

from gis_service.db.models import PROGRESS_COLLECTIONS
from gis_service.services.progress import photos, rollup
from gis_service.services.progress.edits import history
from gis_service.services.progress.items import current_feature
from gis_service.services.progress.vocab import editable_fields
from gis_service.vocab import DEMO_LABEL, collection_title, status_colour, status_label, statuses


def progress_titles() -> dict[str, str]:
    """Progress collection id -> its title, for the list's filter."""
    return {cid: collection_title(cid) for cid in PROGRESS_COLLECTIONS}


def list_rows(conn: Connection, *, collection: str | None, status: str | None, unit: str | None,
              q: str | None, reported: str | None) -> tuple[list[dict], dict]:
    units = rollup.load_units(conn)
    rows = []
    for cid in ([collection] if collection in PROGRESS_COLLECTIONS else PROGRESS_COLLECTIONS):
        extra = {r.id: r for r in conn.execute(text(
            f"SELECT id, status_date, version, updated_at FROM {cid} WHERE NOT retired"))}
        for row in rollup.feature_rows(conn, cid):
            key, basis = rollup.unit_of(row, "admin_unit", units)
            if (status and row.status != status) or (unit and key != unit) or (q and q not in row.name) \
                    or (reported == "yes" and row.status == "unknown") or (reported == "no" and row.status != "unknown"):
                continue
            rows.append({"collection": cid, "collection_title": collection_title(cid), "id": row.id,
                         "name": row.name, "status": row.status, "status_label": status_label(cid, row.status),
                         "colour": status_colour(cid, row.status),
                         "percent": row.percent_complete, "status_date": extra[row.id].status_date,
                         "unit": units.admin.get(key, "未定位"), "basis": basis, "demo": row.demo,
                         "version": extra[row.id].version})
    return rows, units.admin


def item_view(conn: Connection, collection_id: str, feature_id: str, base: str) -> dict:
    feature, version = current_feature(conn, collection_id, feature_id)
    props = feature["properties"]
    fields = [{"name": f.name, "kind": f.kind, "label": f.label_zh,
               "value": "" if props.get(f.name) is None else props.get(f.name)}
              for f in editable_fields(collection_id)]
    return {"feature": feature, "version": version, "fields": fields, "stages": statuses(collection_id),
            "collection_title": collection_title(collection_id), "collection_id": collection_id,
            "history": history(conn, collection_id, feature_id, limit=100),
            "photos": photos.list_photos(conn, collection_id, feature_id, base),
            "demo": bool(props.get("demo_progress")), "demo_label": DEMO_LABEL}
