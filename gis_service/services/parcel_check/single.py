"""``POST /analysis/parcel-check``: validate the body, check, store, answer."""
from __future__ import annotations

import math

from sqlalchemy import Connection

from gis_service.errors import BadParameter, InvalidFile, InvalidGeometry

from gis_service.crs import parse_crs
from gis_service.settings import Settings
from gis_service.queries.analysis import tune_small_check
from gis_service.services.parcel_check.check import (
    check_parcels, check_proposed_use, repair_parcels, store_reports,
)
from gis_service.services.parcel_check.batch_readers import read_batch_file
from gis_service.services.parcel_check.geometry_input import ParcelInput, features_of, load_json, parse_parcels
from gis_service.services.parcel_check.hints import crs_hints, hints_for
from gis_service.services.parcel_check.identify import check_tolerance, identify


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
    tune_small_check(conn, len(parcels))
    reports, checked = check_parcels(conn, parcels, use)
    mappings = [mapping for mapping, _ in features_of(document)]
    for parcel, report in zip(parcels, reports):
        report["hints"] = hints_for(conn, mappings[parcel.index], spec, crs_given=bool(crs),
                                    outside=report["verdict"]["code"] == "outside", district=checked.district)
    stored = [(p, r) for p, r in zip(parcels, reports) if not p.is_point]
    if stored:  # point queries may run on a replica or under a GET: they write nothing
        store_reports(conn, [p for p, _ in stored], [r for _, r in stored], actor, checked)
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



def check_upload(conn: Connection, content: bytes, filename: str, *, crs: str | None, proposed_use: str | None,
                 repair: bool, settings: Settings, actor: str) -> dict:
    """The parcels of an uploaded file (any batch format, 界址点 lists included), checked at once and stored.

    All or nothing: a row the reader refuses fails the whole upload, naming the row."""
    use = check_proposed_use(proposed_use)
    batch = read_batch_file(content, filename, crs=crs, repair=repair, max_features=settings.parcel_check_max_parcels)
    bad = next((r for r in batch.rows if r.error or r.geometry is None), None)
    if bad is not None:
        error = bad.error or {"reason_zh": "没有几何", "reason": "no geometry"}
        raise InvalidFile(f"{filename} 第 {bad.row_number} 个地块：{error['reason_zh']}",
                          f"{filename}, parcel {bad.row_number}: {error['reason']}",
                          detail={"file": filename, "row": bad.row_number})
    if not batch.rows:
        raise InvalidFile(f"{filename} 中没有地块", f"{filename} holds no parcel", detail={"file": filename})
    parcels = [ParcelInput(index=i, geometry=r.geometry, properties=r.attributes, crs_label=batch.source_crs,
                           repair_reason=r.repair_reason) for i, r in enumerate(batch.rows)]
    repair_parcels(conn, parcels)
    reports, checked = check_parcels(conn, parcels, use)
    store_reports(conn, parcels, reports, actor, checked)
    conn.commit()
    return {"type": "ParcelCheckResults", "count": len(reports), "reports": reports, "notes": batch.notes}
