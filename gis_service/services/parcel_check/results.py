"""Batch results as a table: one row per parcel with its verdict and worst hits, keeping the
input's own columns; downloads in GeoJSON, CSV, GeoPackage and XLSX (Chinese headers)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import orjson
import pandas as pd
import shapely
from sqlalchemy import Connection, text

from gis_service.errors import BadParameter, GisError, NotFound
from gis_service.services.exports import export_frame
from gis_service.services.exports.base import ExportResult
from gis_service.services.exports.tabular import neutralise_formula
from gis_service.services.parcel_check import rules

# Added columns (English snake_case for GIS files) and their Chinese headers (XLSX).
ADDED = {
    "verdict": "初筛结论", "verdict_en": "结论（英文）", "severity": "最高严重程度", "area_m2": "面积（平方米）",
    "area_mu": "面积（亩）", "outside_pct": "规划范围外占比（%）", "admin_units": "行政单元",
    "sub_areas": "片区", "function_zones": "主体功能区", "worst_hits": "主要命中", "schematic": "依据示意性几何",
    "proposed_use": "拟建用途",
}
# Each row's own stored report, when the rows were checked as a job.
REPORT_LINKS = {"report_id": "报告编号", "report_url": "报告链接"}
ERROR_HEADERS = {"row_number": "行号", "reason_zh": "原因", "reason": "原因（英文）"}
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class JobNotReady(GisError):
    code = "job_not_finished"
    status = 409


def _shares(items: list[dict]) -> str:
    return "; ".join(f"{i['name']} {i['percent']:.1f}%" if i.get("percent") is not None else i["name"]
                     for i in items)


def summary_row(report: dict) -> dict:
    verdict = report["verdict"]
    worst = [h for h in report["hits"] if h["severity"] in ("review", "conflict")][:3]
    return {
        "verdict": verdict["zh"], "verdict_en": verdict["en"], "severity": verdict["severity"],
        "area_m2": report["area"]["m2"], "area_mu": report["area"]["mu"],
        "outside_pct": report["planning_area"]["outside_percent"],
        "admin_units": _shares(report["admin_units"]), "sub_areas": _shares(report["sub_areas"]),
        "function_zones": _shares(report["function_zones"]),
        "worst_hits": "; ".join(f"{h['feature']} {rules.SEVERITY_ZH[h['severity']]}"
                                + (f" {h['percent']:.1f}%" if h["type"] == "polygon" else f" {h['distance_m']:.0f}m")
                                + ("（潜在）" if h["potential"] else "") for h in worst),
        "schematic": bool(verdict["schematic"]), "proposed_use": report["input"].get("proposed_use_zh"),
    }


def result_frame(columns: list[str], rows: list[tuple[dict, object, dict]],
                 report_base: str | None = None) -> gpd.GeoDataFrame:
    """(input attributes, geometry in EPSG:4490, report) per parcel -> one frame, input columns first.

    With ``report_base`` (the service's base URL) each row links to its stored report."""
    added = {**ADDED, **REPORT_LINKS} if report_base is not None else ADDED
    names = {name: (f"{name}_check" if name in columns else name) for name in added}

    def links(report: dict) -> dict:
        if report_base is None:
            return {}
        href = f"{report_base}/analysis/parcel-check/{report['id']}" if report.get("id") else None
        return {"report_id": report.get("id"), "report_url": href}

    records = [{**{c: attributes.get(c) for c in columns},
                **{names[k]: v for k, v in {**summary_row(report), **links(report)}.items()}}
               for attributes, _, report in rows]
    frame = pd.DataFrame.from_records(records, columns=[*columns, *names.values()])
    frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([g for _, g, _ in rows], crs=4490), crs=4490)
    frame.attrs["added_names"] = names
    return frame


def _load(conn: Connection, job_id: str) -> tuple[dict, list, list]:
    job = conn.execute(text("SELECT id, state, filename, columns, options FROM parcel_check_jobs WHERE id = :id"),
                       {"id": job_id}).mappings().first()
    if job is None:
        raise NotFound(f"找不到任务 {job_id}", f"no job {job_id}", detail={"id": job_id})
    if job["state"] != "succeeded":
        raise JobNotReady(f"任务尚未完成（{job['state']}）", f"the job has not finished ({job['state']})",
                          detail={"state": job["state"]})
    rows = conn.execute(text(
        "SELECT r.row_number, r.attributes, ST_AsBinary(r.geom) AS wkb, COALESCE(p.result, r.result) AS result, "
        "r.error FROM parcel_check_job_rows r LEFT JOIN parcel_check_reports p ON p.id = r.report_id "
        "WHERE r.job_id = :id ORDER BY r.row_number"), {"id": job_id}).mappings().all()
    good = [(r["attributes"], shapely.from_wkb(bytes(r["wkb"])), r["result"]) for r in rows if r["result"]]
    bad = [{**r["error"], "row_number": r["row_number"], "attributes": r["attributes"]} for r in rows if r["error"]]
    return dict(job), good, bad


def export_job_results(conn: Connection, job_id: str, fmt: str, base: str = "") -> ExportResult:
    job, good, bad = _load(conn, job_id)
    frame = result_frame(list(job["columns"]), good, report_base=base)
    stem = f"parcel_check_{job_id[:12]}"
    if fmt in ("csv", "gpkg"):
        return export_frame(frame, fmt, stem, title="地块合规性初筛结果")
    directory = Path(tempfile.mkdtemp(prefix=f"gis-parcel-{fmt}-"))
    try:
        if fmt == "xlsx":
            path = write_xlsx(frame, bad, list(job["columns"]), directory / f"{stem}.xlsx", job)
            return ExportResult(path=path, media_type=XLSX_MEDIA, filename=path.name, crs=None)
        path = directory / f"{stem}.geojson"
        path.write_bytes(geojson_bytes(frame))
        return ExportResult(path=path, media_type="application/geo+json", filename=path.name)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


def geojson_bytes(frame: gpd.GeoDataFrame) -> bytes:
    properties = pd.DataFrame(frame.drop(columns="geometry")).astype(object)
    properties = properties.where(pd.notna(properties), None)
    features = [{"type": "Feature", "properties": props,
                 "geometry": None if geom is None else shapely.geometry.mapping(geom)}
                for props, geom in zip(properties.to_dict("records"), frame.geometry)]
    return orjson.dumps({"type": "FeatureCollection", "features": features,
                         "disclaimer": rules.DISCLAIMER_ZH + " " + rules.DISCLAIMER_EN, "basis": rules.PLAN_LABEL},
                        option=orjson.OPT_SERIALIZE_NUMPY)


def write_xlsx(frame: gpd.GeoDataFrame, errors: list[dict], columns: list[str], path: Path, job: dict) -> Path:
    names = frame.attrs["added_names"]
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table = table.rename(columns={names[k]: header for k, header in {**ADDED, **REPORT_LINKS}.items()
                                  if k in names})
    table["依据示意性几何"] = table["依据示意性几何"].map({True: "是", False: "否"})
    error_table = pd.DataFrame([{ERROR_HEADERS["row_number"]: e["row_number"],
                                 **{c: e["attributes"].get(c) for c in columns},
                                 ERROR_HEADERS["reason_zh"]: e.get("reason_zh"), ERROR_HEADERS["reason"]: e.get("reason")}
                                for e in errors],
                               columns=[ERROR_HEADERS["row_number"], *columns, ERROR_HEADERS["reason_zh"],
                                        ERROR_HEADERS["reason"]])
    notes = pd.DataFrame({"说明": [rules.DISCLAIMER_ZH + " " + rules.DISCLAIMER_EN, rules.PLAN_LABEL,
                                   f"输入文件 input file: {job['filename']}",
                                   f"拟建用途 proposed use: {job['options'].get('proposed_use') or '未指定 none'}"]})
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for sheet, data in (("初筛结果", table), ("错误行", error_table), ("说明", notes)):
            safe = data.apply(lambda col: col.map(neutralise_formula))
            safe.columns = [neutralise_formula(str(c)) for c in safe.columns]
            safe.to_excel(writer, sheet_name=sheet, index=False)
    return path


def write_results_file(frame: gpd.GeoDataFrame, errors: list[dict], columns: list[str], out: Path,
                       meta: dict) -> list[Path]:
    """Write results to ``out`` by its suffix; errors go into the XLSX, or beside it as ``.errors.csv``."""
    suffix = out.suffix.lower().lstrip(".")
    fmt = {"json": "geojson", "geojson": "geojson", "csv": "csv", "gpkg": "gpkg", "xlsx": "xlsx"}.get(suffix)
    if fmt is None:
        raise BadParameter("out", f"不支持的输出格式 .{suffix}（可用 .geojson .csv .gpkg .xlsx）",
                           f"unsupported output format .{suffix} (use .geojson, .csv, .gpkg or .xlsx)")
    written = [out]
    if fmt == "xlsx":
        write_xlsx(frame, errors, columns, out, meta)
        return written
    if fmt == "geojson":
        out.write_bytes(geojson_bytes(frame))
    else:
        with export_frame(frame, fmt, out.stem, title="地块合规性初筛结果") as result:
            shutil.copyfile(result.path, out)
    if errors:
        error_path = out.with_name(out.stem + ".errors.csv")
        pd.DataFrame([{"row_number": e["row_number"], **e["attributes"], "reason_zh": e.get("reason_zh"),
                       "reason": e.get("reason")} for e in errors]).map(neutralise_formula).to_csv(
            error_path, index=False, encoding="utf-8-sig")
        written.append(error_path)
    return written
