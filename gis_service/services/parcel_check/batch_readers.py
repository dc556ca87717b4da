"""Read a batch file into rows: its own columns, a parcel in EPSG:4490, or the row's error.

A bad row never fails the file; only an unreadable file does (``InvalidFile``).
Formats: GeoJSON, GeoPackage, zipped Shapefile (GBK/UTF-8), KML, CSV with WKT,
DXF (through GDAL; closed polylines are parcels), 界址点 lists (CSV or exchange .txt).
"""
from __future__ import annotations

import datetime as dt
import math
import tempfile
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import pyproj
import shapely

from gis_service.crs import CRS84, CrsSpec, get_transformer, parse_crs, spec_from_pyproj, to_storage
from gis_service.errors import GisError, InvalidFile, PayloadTooLarge, UnsupportedCrs
from gis_service.loader.archives import extract_zip, shapefile_encoding
from gis_service.loader.readers import WKT_COLUMNS
from gis_service.services.parcel_check.boundary_points import (
    decode, is_point_list, read_exchange_txt, read_point_csv,
)
from gis_service.services.parcel_check.geometry_input import CHINA_BOX, parse_one

OGR_SUFFIXES = {".geojson", ".json", ".gpkg", ".kml", ".shp", ".dxf"}
DEFAULT_CRS84 = {".geojson", ".json", ".kml", ".csv"}  # per their specifications
FORMATS = "GeoJSON, GeoPackage, zipped Shapefile, KML, CSV (WKT), DXF, 界址点 CSV/TXT"


@dataclass
class BatchRow:
    row_number: int  # 1-based, in file order
    attributes: dict
    geometry: Any = None  # shapely, EPSG:4490, when the row is good
    error: dict | None = None
    repair_reason: str | None = None


@dataclass
class BatchInput:
    columns: list[str]
    rows: list[BatchRow] = field(default_factory=list)
    source_crs: str = ""
    notes: list[str] = field(default_factory=list)


def _invalid(shown: str, zh: str, en: str, **detail) -> InvalidFile:
    return InvalidFile(f"{shown}：{zh}", f"{shown}: {en}", detail={"file": shown, **detail})


def plain(value: Any) -> Any:
    """A JSON-safe attribute value (the input's own columns travel through JSONB)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, (dt.date, dt.datetime, dt.time, pd.Timestamp)):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def read_batch_file(content: bytes, filename: str, *, crs: str | None = None, layer: str | None = None,
                    repair: bool = False, max_features: int = 100_000) -> BatchInput:
    shown = Path(filename).name or "upload"
    override = parse_crs(crs) if crs else None
    suffix = Path(shown).suffix.lower()
    with tempfile.TemporaryDirectory(prefix="gis-batch-") as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(content)
        if suffix == ".zip":
            path = extract_zip(path, Path(tmp) / "unzipped", layer)
            suffix, layer = path.suffix.lower(), None if path.suffix.lower() == ".shp" else layer
        if suffix in (".csv", ".txt"):
            columns, mappings, spec, default = _read_text(path, shown, suffix)
        elif suffix in OGR_SUFFIXES:
            columns, mappings, spec, default = _read_ogr(path, shown, suffix, layer)
        else:
            raise _invalid(shown, f"不支持的文件类型 {suffix or '(无)'}（可用：{FORMATS}）",
                           f"unsupported file type {suffix or '(none)'} (use {FORMATS})")
    if len(mappings) > max_features:
        raise PayloadTooLarge(f"{shown} 含 {len(mappings)} 个地块，超过上限 {max_features}",
                              f"{shown} holds {len(mappings)} parcels, over the limit of {max_features}",
                              detail={"limit": max_features, "count": len(mappings)})
    spec = override or spec or default
    if spec is None:
        raise _invalid(shown, "未声明坐标参考系，请用 crs 参数指定（如 EPSG:4547；带号坐标用 EPSG:4526）",
                       "declares no CRS; pass crs (e.g. EPSG:4547, or EPSG:4526 for zone-prefixed eastings)")
    return BatchInput(columns=columns, source_crs=spec.label, rows=_parse_rows(mappings, spec, repair))


def _parse_rows(items: list, spec: CrsSpec, repair: bool) -> list[BatchRow]:
    """Rows from (attributes, shapely geometry or GeoJSON mapping, read error).

    Clean polygons are accepted and converted in a few vectorised calls; every other row goes
    through ``parse_one``, the single check's own validation, which names what is wrong."""
    geoms = np.array([g if isinstance(g, shapely.Geometry) else None for _, g, _ in items], dtype=object)
    fast, stored = _clean_polygons(geoms, spec)
    rows = []
    for number, ((attributes, geom, error), clean, good) in enumerate(zip(items, fast, stored), start=1):
        row = BatchRow(number, attributes)
        if error:
            row.error = {"row": number, "reason_zh": error[0], "reason": error[1]}
        elif clean:
            row.geometry = good
        else:
            mapping = shapely.geometry.mapping(geom) if isinstance(geom, shapely.Geometry) else geom
            try:
                parcel = parse_one(mapping, {}, number - 1, spec, repair=repair, allow_points=False)
                row.geometry, row.repair_reason = parcel.geometry, parcel.repair_reason
            except GisError as exc:
                row.error = {"row": number, "reason_zh": exc.message_zh, "reason": exc.message_en}
        rows.append(row)
    return rows


def _clean_polygons(geoms: np.ndarray, spec: CrsSpec) -> tuple[np.ndarray, np.ndarray]:
    """(mask, geometries in EPSG:4490): valid non-empty (Multi)Polygons that land in China.

    GEOS validity also refuses NaN/Infinity; a wrong CRS or swapped axes miss the China box."""
    clean = np.isin(shapely.get_type_id(geoms), (3, 6)) & ~shapely.is_empty(geoms)
    clean[clean] = shapely.is_valid(geoms[clean])
    stored = np.full(len(geoms), None, dtype=object)
    if clean.any():
        with np.errstate(invalid="ignore"):
            moved = np.asarray(to_storage(geoms[clean], spec), dtype=object)
            west, south, east, north = shapely.bounds(moved).T
            inside = ((west >= CHINA_BOX[0]) & (south >= CHINA_BOX[1]) & (east <= CHINA_BOX[2])
                      & (north <= CHINA_BOX[3]))
        stored[np.flatnonzero(clean)[inside]] = moved[inside]
        clean[np.flatnonzero(clean)[~inside]] = False
    return clean, stored


def _read_text(path: Path, shown: str, suffix: str):
    text = decode(path.read_bytes(), shown)
    if suffix == ".txt" or "[地块坐标]" in text:
        columns, rows, stated = read_exchange_txt(text, shown)
        return columns, rows, stated, None
    try:
        header = pd.read_csv(StringIO(text), dtype=str, nrows=0).columns
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise _invalid(shown, f"CSV 格式错误：{exc}", f"is not valid CSV: {exc}") from None
    if is_point_list([str(c) for c in header]):
        columns, rows = read_point_csv(text, shown)
        return columns, rows, None, None
    return _read_wkt_csv(text, shown)


def _read_wkt_csv(text: str, shown: str):
    table = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    table.columns = [str(c).strip() for c in table.columns]
    by_lower = {c.lower(): c for c in table.columns}
    wkt_column = next((by_lower[n.lower()] for n in WKT_COLUMNS if n.lower() in by_lower), None)
    if wkt_column is None:
        raise _invalid(shown, f"找不到 WKT 列 {WKT_COLUMNS}，也不是界址点坐标表（宗地编码、点号、X、Y）",
                       f"has no WKT column {WKT_COLUMNS} and is not a 界址点 list (parcel id, point, X, Y)")
    columns = [c for c in table.columns if c != wkt_column]
    rows = []
    for line, record in enumerate(table.to_dict("records"), start=2):
        attributes = {c: record[c] for c in columns}
        wkt = record[wkt_column].strip()
        try:
            rows.append((attributes, shapely.from_wkt(wkt) if wkt else None, None))
        except shapely.errors.GEOSException as exc:
            rows.append((attributes, None, (f"第 {line} 行 WKT 无法解析：{exc}", f"line {line}: unparsable WKT: {exc}")))
    return columns, rows, None, CRS84


def _read_ogr(path: Path, shown: str, suffix: str, layer: str | None):
    encoding = shapefile_encoding(path, shown) if suffix == ".shp" else None
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, UnicodeDecodeError) as exc:
        raise _invalid(shown, f"无法读取：{exc}", f"cannot be read: {exc}") from None
    if "geometry" not in frame:
        raise _invalid(shown, "没有几何列", "has no geometry column")
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    attributes = pd.DataFrame(frame.drop(columns="geometry"))
    if suffix == ".dxf":
        geoms, keep = _dxf_parcels(geoms)
        attributes = attributes[keep]
        attributes = attributes.loc[:, [c for c in attributes.columns if attributes[c].notna().any()]]
    spec, geoms = _file_crs(frame.crs, geoms, shown)
    columns = [str(c) for c in attributes.columns]
    records = [{str(k): plain(v) for k, v in r.items()} for r in attributes.to_dict("records")]
    rows = [(record, g, None) for record, g in zip(records, geoms)]
    return columns, rows, spec, CRS84 if suffix in DEFAULT_CRS84 else None


def _dxf_parcels(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closed polylines become polygons; texts, open lines and points are drawing furniture."""
    out, keep = [], []
    for g in geoms:
        if g is not None and g.geom_type in ("Polygon", "MultiPolygon"):
            out.append(g)
            keep.append(True)
        elif g is not None and g.geom_type == "LineString" and g.is_closed and len(g.coords) >= 4:
            out.append(shapely.Polygon(g.coords))
            keep.append(True)
        else:
            keep.append(False)
    return np.asarray(out, dtype=object), np.asarray(keep, dtype=bool)


def _file_crs(file_crs: Any, geoms: np.ndarray, shown: str) -> tuple[CrsSpec | None, np.ndarray]:
    if file_crs is None:
        return None, geoms
    source = pyproj.CRS.from_user_input(file_crs)
    try:
        spec = spec_from_pyproj(source)
    except UnsupportedCrs as exc:
        raise InvalidFile(f"{shown}：{exc.message_zh}", f"{shown}: {exc.message_en}", detail=exc.detail) from None
    if spec is not None:
        return spec, geoms
    # A CRS without an EPSG code (ESRI WKT): to lon/lat here, then treat as CRS84.
    transformer = get_transformer(source.to_wkt(), "OGC:CRS84")
    moved = shapely.transform(geoms, lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1])))
    return CRS84, moved
