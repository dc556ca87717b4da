"""Check parcels against the plan layers, chunk by chunk, and store the reports."""
from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence

import orjson
import shapely
from sqlalchemy import Connection, text

from gis_service.db.engine import driver_execute
from gis_service.errors import BadParameter, InvalidGeometry, NotFound
from gis_service.queries.analysis import Checked, check_chunk, keep_checked_layers, make_valid
from gis_service.services.parcel_check import rules
from gis_service.services.parcel_check.geometry_input import ParcelInput
from gis_service.services.parcel_check.report import build_report

DEFAULT_CHUNK = 500


def principal_name(principal) -> str:
    """The key name of whoever ran the check, or "anonymous"."""
    if principal is None:
        return "anonymous"
    if isinstance(principal, str):
        return principal or "anonymous"
    if isinstance(principal, dict):
        return str(principal.get("name") or principal.get("key_name") or "anonymous")
    return str(getattr(principal, "name", None) or getattr(principal, "key_name", None) or "anonymous")


def check_proposed_use(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if value not in rules.USES:
        raise BadParameter("proposed_use", f"未知的拟建用途 {value!r}", f"unknown proposed_use {value!r}",
                           detail={"allowed": list(rules.USES)})
    return value


def repair_parcels(conn: Connection, parcels: list[ParcelInput]) -> None:
    """ST_MakeValid on the parcels marked for repair, keeping their polygonal part."""
    todo = [p for p in parcels if p.repair_reason]
    if not todo:
        return
    repaired = make_valid(conn, [shapely.to_wkb(p.geometry) for p in todo])
    for parcel, wkb in zip(todo, repaired):
        geom = shapely.from_wkb(wkb) if wkb else None
        if geom is None or geom.is_empty:
            raise InvalidGeometry(f"第 {parcel.index + 1} 个要素修复后没有面积（{parcel.repair_reason}）",
                                  f"feature {parcel.index + 1}: nothing polygonal is left after repair "
                                  f"({parcel.repair_reason})", detail={"feature": parcel.index + 1})
        parcel.geometry, parcel.repaired = geom, True


def check_parcels(conn: Connection, parcels: list[ParcelInput], proposed_use: str | None = None, *,
                  chunk_size: int = DEFAULT_CHUNK, progress: Callable[[int], None] | None = None,
                  uses: Sequence[str | None] | None = None) -> tuple[list[dict], Checked | None]:
    """Reports for ``parcels`` (EPSG:4490, valid), one set-based query per chunk, and the last
    chunk's ``Checked`` (城区 as it saw it, for the coordinate hints; whether its layers were kept).

    ``uses`` gives each parcel its own proposed use (None: ``proposed_use`` applies). Each chunk's
    reports name the layer versions of its own statement."""
    uses = list(uses) if uses is not None else [None] * len(parcels)
    reports: list[dict] = []
    checked = None
    for start in range(0, len(parcels), chunk_size):
        chunk = parcels[start:start + chunk_size]
        checked = check_chunk(conn, [p.index for p in chunk], [shapely.to_wkb(p.geometry) for p in chunk])
        reports.extend(build_report(row, checked.context, parcel, use or proposed_use)
                       for row, parcel, use in zip(checked.rows, chunk, uses[start:start + chunk_size]))
        if progress:
            progress(len(chunk))
    return reports, checked


def staged_reports(rows: Sequence, context: dict, options: dict) -> list[dict]:
    """Reports for rows of ``queries.parcel_batch.staged_check``: each row's own use, else the job's."""
    repaired = options.get("repaired_rows") or {}
    geoms = shapely.from_wkb([bytes.fromhex(row["extra"]["wkb"]) for row in rows])
    reports = []
    for row, geom in zip(rows, geoms):
        extra, key = row["extra"], str(row["ord"])
        parcel = ParcelInput(index=row["ord"], geometry=geom, properties=extra["attributes"],
                             crs_label=options.get("source_crs") or "", repair_reason=repaired.get(key),
                             repaired=key in repaired)
        reports.append(build_report(row, context, parcel, extra["proposed_use"] or options.get("proposed_use")))
    return reports


def use_column_of(columns: Sequence[str], named: str | None) -> str | None:
    """The file's per-row use column: the one named (400 if absent), else the first common name found."""
    if named:
        if named not in columns:
            raise BadParameter("use_column", f"文件中没有用途列 {named!r}（现有列：{', '.join(columns) or '无'}）",
                               f"the file has no use column {named!r} (its columns: {', '.join(columns) or 'none'})",
                               detail={"columns": list(columns)})
        return named
    by_lower = {str(c).strip().lower(): c for c in columns}
    return next((by_lower[n.lower()] for n in rules.USE_COLUMNS if n.lower() in by_lower), None)


def row_use(attributes: dict, column: str | None, row_number: int) -> tuple[str | None, dict | None]:
    """(the row's use code or None, the row's error or None) from its use column."""
    if column is None:
        return None, None
    value = attributes.get(column)
    code, known = rules.use_from_value(value)
    if known:
        return code, None
    allowed = "、".join(zh for zh, _ in rules.USES.values())
    return None, {"row": row_number, "column": column, "value": str(value),
                  "reason_zh": f"第 {row_number} 行用途列 {column} 的值 {value!r} 无法识别（可用：{allowed}）",
                  "reason": f"row {row_number}: unknown use {value!r} in column {column} "
                            f"(use one of {', '.join(rules.USES)} or their Chinese names)"}


def stamp(report: dict, actor: str, now: dt.datetime) -> str:
    """Give a report its id, time and actor before it is stored; returns the id."""
    report_id = uuid.uuid4().hex
    report.update(id=report_id, created_at=now.isoformat(), actor=actor)
    return report_id


def store_reports(conn: Connection, parcels: list[ParcelInput], reports: list[dict], actor: str,
                  checked: Checked | None = None) -> None:
    """Give each parcel report an id and store it (the caller commits); keep the layers ``checked``
    had to build, since this transaction writes anyway."""
    if checked is not None:
        keep_checked_layers(conn, checked)
    now = dt.datetime.now(dt.timezone.utc)
    rows = []
    for parcel, report in zip(parcels, reports):
        report_id = stamp(report, actor, now)
        rows.append({"id": report_id, "created_at": now, "actor": actor,
                     "use": report["input"]["proposed_use"], "crs": parcel.crs_label,
                     "verdict": report["verdict"]["code"], "wkb": shapely.to_wkb(parcel.geometry),
                     "result": _json(report), "versions": _json(report["data_versions"])})
    driver_execute(conn, _INSERT_REPORT, rows)


def _json(value) -> str:
    # orjson, as the batch path stores the same reports: several times faster than json.dumps.
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()


_INSERT_REPORT = (
    "INSERT INTO parcel_check_reports (id, created_at, actor, proposed_use, input_crs, verdict, geom, "
    "result, data_versions) VALUES (:id, :created_at, :actor, :use, :crs, :verdict, "
    "ST_SetSRID(ST_GeomFromWKB(:wkb), 4490), CAST(:result AS jsonb), CAST(:versions AS jsonb))")


def get_report(conn: Connection, report_id: str) -> dict:
    row = conn.execute(text("SELECT result, ST_AsGeoJSON(geom, 9) AS geometry FROM parcel_check_reports "
                            "WHERE id = :id"), {"id": report_id}).mappings().first()
    if row is None:
        raise NotFound(f"找不到检查报告 {report_id}", f"no parcel-check report {report_id}",
                       detail={"id": report_id})
    return {**row["result"], "geometry": orjson.loads(row["geometry"])}
