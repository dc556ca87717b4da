"""``POST /analysis/parcel-check``: validate the body, check, store, answer."""
from __future__ import annotations

import math

from sqlalchemy import Connection

from gis_service.errors import BadParameter, InvalidGeometry

from gis_service.crs import parse_crs
from gis_service.settings import Settings
from gis_service.services.parcel_check.check import (
    check_parcels, check_proposed_use, repair_parcels, store_reports,
)
from gis_service.services.parcel_check.geometry_input import features_of, load_json, parse_parcels
from gis_service.services.parcel_check.hints import crs_hints, hints_for


def check_request(conn: Connection, body: bytes, *, crs: str | None, proposed_use: str | None,
                  repair: bool, settings: Settings, actor: str) -> dict:
    """One report for a single geometry, or ``{"reports": [...]}`` for a FeatureCollection.

    Parcels are stored (each report gets an ``id``); point queries are answered, not stored.
    """
    spec = parse_crs(crs)
    use = check_proposed_use(proposed_use)
    document = load_json(body)
    try:
        parcels = parse_parcels(document, spec, repair=repair, max_parcels=settings.parcel_check_max_parcels,
                                max_vertices=settings.parcel_check_max_vertices)
    except InvalidGeometry as exc:
        raise _with_hints(conn, exc, document, spec) from None
    repair_parcels(conn, parcels)
    reports = check_parcels(conn, parcels, use)
    mappings = [mapping for mapping, _ in features_of(document)]
    for parcel, report in zip(parcels, reports):
        report["hints"] = hints_for(conn, mappings[parcel.index], spec, crs_given=bool(crs),
                                    outside=report["verdict"]["code"] == "outside")
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


def _with_hints(conn: Connection, exc: InvalidGeometry, document, spec) -> InvalidGeometry:
    """An unreadable position (out of range, outside China) still names the readings that fit 城区."""
    feature = exc.detail.get("feature")
    if not isinstance(feature, int):
        return exc
    mappings = features_of(document)
    hints = crs_hints(conn, mappings[feature - 1][0], spec) if feature <= len(mappings) else []
    if hints:
        exc.detail["hints"] = hints
        exc.message_zh += f"。可能的读法：{hints[0]['zh']}"
        exc.message_en += f". Probably meant: {hints[0]['en']}"
    return exc


def check_point(conn: Connection, x: float, y: float, *, crs: str | None, settings: Settings, actor: str) -> dict:
    """What the plan says at one location (answered, not stored)."""
    for name, value in (("x", x), ("y", y)):
        if not math.isfinite(value):
            raise BadParameter(name, "应为有限数字", f"expected a finite number, got {value}")
    body = b'{"type": "Point", "coordinates": [%r, %r]}' % (x, y)
    return check_request(conn, body, crs=crs, proposed_use=None, repair=False, settings=settings, actor=actor)
