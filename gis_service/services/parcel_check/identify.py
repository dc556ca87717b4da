"""Identify: what every collection holds at one location (the per-collection part of
``GET /analysis/point``), with each collection's title and a link to each feature."""
from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import Connection

from gis_service.errors import BadParameter
from gis_service.queries.identify import features_at
from gis_service.queries.registry import list_collections
from gis_service.vocab import collection_title, collection_titles

MAX_TOLERANCE_M = 500.0


def check_tolerance(tolerance_m: float) -> float:
    if not 0 <= tolerance_m <= MAX_TOLERANCE_M:
        raise BadParameter("tolerance_m", f"应在 0–{MAX_TOLERANCE_M:g} 米之间",
                           f"expected 0–{MAX_TOLERANCE_M:g} metres", detail={"value": tolerance_m})
    return tolerance_m


def identify(conn: Connection, lon: float, lat: float, tolerance_m: float, base: str) -> dict:
    """Hits per collection (collections without a hit are left out), plan layers in manifest order."""
    collections = list_collections(conn)
    plan_order = list(collection_titles())
    rank = {cid: i for i, cid in enumerate(plan_order)}
    collections.sort(key=lambda c: (rank.get(c.id, len(rank)), c.id))
    hits: dict[str, list[dict]] = {}
    for row in features_at(conn, collections, lon, lat, tolerance_m):
        link = f"{base}/collections/{quote(row.collection_id)}/items/{quote(row.id, safe='')}"
        hits.setdefault(row.collection_id, []).append({
            "id": row.id, "name": row.name, "link": link,
            "distance_m": round(float(row.distance_m), 2), "contains": row.dim == 2})
    out = []
    for c in collections:
        if c.id not in hits:
            continue
        plan = c.id in rank
        out.append({"collection": c.id, "title": collection_title(c.id) if plan else c.title_zh,
                    "title_en": collection_title(c.id, "en") if plan else c.title_en,
                    "link": f"{base}/collections/{quote(c.id)}", "hits": hits[c.id]})
    return {"tolerance_m": tolerance_m, "collections_checked": len(collections), "collections": out}
