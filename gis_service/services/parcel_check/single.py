"""``POST /analysis/parcel-check``: validate the body, check, store, answer."""
from __future__ import annotations

import math

from sqlalchemy import Connection

from gis_service.errors import BadParameter

from gis_service.crs import parse_crs
from gis_service.settings import Settings
from gis_service.services.parcel_check.check import (
    check_parcels, check_proposed_use, repair_parcels, store_reports,
)
from gis_service.services.parcel_check.geometry_input import load_json, parse_parcels
from gis_service.services.parcel_check.identify import check_tolerance, identify


def check_request(conn: Connection, body: bytes, *, crs: str | None, proposed_use: str | None,
                  repair: bool, settings: Settings, actor: str) -> dict:
    """One report for a single geometry, or ``{"reports": [...]}`` for a FeatureCollection.

    Parcels are stored (each report gets an ``id``); point queries are answered, not stored.
    """
    spec = parse_crs(crs)
    use = check_proposed_use(proposed_use)
    document = load_json(body)
    parcels = parse_parcels(document, spec, repair=repair, max_parcels=settings.parcel_check_max_parcels,
                            max_vertices=settings.parcel_check_max_vertices)
    repair_parcels(conn, parcels)
    reports = check_parcels(conn, parcels, use)
    stored = [(p, r) for p, r in zip(parcels, reports) if not p.is_point]
    if stored:
        store_reports(conn, [p for p, _ in stored], [r for _, r in stored], actor)
    for parcel, report in zip(parcels, reports):
        if parcel.is_point:
            report.update(id=None, actor=actor)
    conn.commit()
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        return {"type": "ParcelCheckResults", "count": len(reports), "reports": reports}
    return reports[0]


def check_point(conn: Connection, x: float, y: float, *, crs: str | None, settings: Settings, actor: str,
                tolerance_m: float = 0.0, base: str = "") -> dict:
    """What the plan says at one location (answered, not stored), with every collection's hits there."""
    for name, value in (("x", x), ("y", y)):
        if not math.isfinite(value):
            raise BadParameter(name, "应为有限数字", f"expected a finite number, got {value}")
    check_tolerance(tolerance_m)
    body = b'{"type": "Point", "coordinates": [%r, %r]}' % (x, y)
    report = check_request(conn, body, crs=crs, proposed_use=None, repair=False, settings=settings, actor=actor)
    lon, lat = report["input"]["representative_point"]
    report.update(identify(conn, lon, lat, tolerance_m, base))
    return report
