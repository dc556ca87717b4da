"""Read users' vector files into a GeoDataFrame in EPSG:4490 (lon/lat).

Formats: GeoJSON, GeoPackage, zipped (or bare) Shapefile, KML, CSV with a WKT
column or lon/lat columns. ``crs`` uses the shared vocabulary of
``gis_service.crs.parse_crs`` and overrides whatever the file declares.
Every failure is an ``InvalidFile`` naming the file (and row/feature).
"""
from __future__ import annotations

import tempfile
from io import StringIO
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import pyproj
import shapely
from pyproj.exceptions import ProjError

from gis_service.crs import (
    CRS84, STORAGE_EPSG, CrsSpec, parse_crs, spec_from_pyproj, to_storage,
)
from gis_service.errors import UnsupportedCrs
from gis_service.loader.archives import (
    OGR_SUFFIXES, decodes, extract_zip, invalid_file, shapefile_encoding,
)

WKT_COLUMNS = ("wkt", "geometry", "WKT")
LON_COLUMNS = ("lon", "lng", "longitude", "x", "经度")
LAT_COLUMNS = ("lat", "latitude", "y", "纬度")
DEFAULT_CRS84_SUFFIXES = {".geojson", ".json", ".kml", ".csv"}  # per their specs
# LIBKML adds these styling columns to every placemark; they are noise here.
KML_BOILERPLATE = ("timestamp", "begin", "end", "altitudeMode", "tessellate",
                   "extrude", "visibility", "drawOrder", "icon", "snippet")
_OGR_ERRORS = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, UnicodeDecodeError)


def read_vector_file(
    path: str | Path, crs: str | int | None = None, encoding: str | None = None, layer: str | None = None
) -> gpd.GeoDataFrame:
    """Read a vector file and return it in EPSG:4490, geometry column 'geometry'.

    ``crs`` declares or overrides the source CRS (EPSG code/URI, gcj02, bd09).
    ``encoding`` forces the text encoding (Shapefile/CSV). ``layer`` picks a
    GeoPackage/KML layer or, in a zip, the Shapefile with that name.
    """
    path = Path(path)
    if not path.is_file():
        raise invalid_file(path, "文件不存在", "file not found")
    override = parse_crs(crs) if crs not in (None, "") else None
    suffix = path.suffix.lower()
    if suffix == ".zip":
        with tempfile.TemporaryDirectory(prefix="gis-import-") as tmp:
            inner = extract_zip(path, Path(tmp), layer)
            shown = f"{path.name}:{inner.relative_to(tmp).as_posix()}"
            inner_layer = None if inner.suffix.lower() == ".shp" else layer
            return _read_plain(inner, shown, override, encoding, inner_layer)
    return _read_plain(path, path.name, override, encoding, layer)


def _read_plain(
    path: Path, shown: str, override: CrsSpec | None, encoding: str | None, layer: str | None
) -> gpd.GeoDataFrame:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame, file_crs = _read_csv(path, shown, encoding), None
    elif suffix in OGR_SUFFIXES:
        if suffix == ".shp":
            encoding = encoding or shapefile_encoding(path, shown)
        frame = _read_ogr(path, shown, encoding, layer)
        file_crs = frame.crs
    else:
        raise invalid_file(shown, f"不支持的文件类型 {suffix or '(无)'}", f"unsupported file type {suffix or '(none)'}",
                       hint_zh="请使用 GeoJSON、GeoPackage、Shapefile 压缩包、KML 或 CSV",
                       hint_en="use GeoJSON, GeoPackage, zipped Shapefile, KML or CSV")
    default = CRS84 if suffix in DEFAULT_CRS84_SUFFIXES else None
    result = _to_storage_frame(frame, file_crs, override, default, shown)
    result.attrs.update(source_file=shown, encoding=encoding)
    return result


# --- OGR formats -------------------------------------------------------------------
def _read_ogr(path: Path, shown: str, encoding: str | None, layer: str | None) -> gpd.GeoDataFrame:
    try:
        layers = pyogrio.list_layers(path)
        names = [str(name) for name, _ in layers]
        if layer is not None and layer not in names:
            raise invalid_file(shown, f"找不到图层 {layer!r}（现有：{names}）",
                           f"layer {layer!r} not found (available: {names})")
        if path.suffix.lower() == ".kml" and layer is None:
            return _read_kml_layers(path, names, encoding)
        if layer is None:
            # First spatial layer: a GeoPackage may also hold plain attribute tables.
            spatial = [str(name) for name, geom_type in layers if geom_type]
            layer = spatial[0] if spatial else (names[0] if names else None)
        frame = pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except _OGR_ERRORS as exc:
        raise invalid_file(shown, f"无法读取：{exc}", f"cannot be read: {exc}") from None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise invalid_file(shown, f"图层 {layer!r} 没有几何列", f"layer {layer!r} has no geometry column")
    return frame


def _read_kml_layers(path: Path, names: list[str], encoding: str | None) -> gpd.GeoDataFrame:
    # KML folders become layers; a user's file is one collection, so join them.
    frames = [_drop_kml_boilerplate(pyogrio.read_dataframe(path, layer=name, encoding=encoding), name)
              for name in names]
    frames = [f for f in frames if len(f)] or frames[:1]
    if not frames:
        return gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)


def _drop_kml_boilerplate(frame: gpd.GeoDataFrame, layer_name: str) -> gpd.GeoDataFrame:
    drop = [c for c in KML_BOILERPLATE
            if c in frame.columns and frame[c].isna().sum() + frame[c].isin([0, -1]).sum() >= len(frame)]
    if "id" in frame.columns and list(frame["id"]) == [f"{layer_name}.{i}" for i in range(1, len(frame) + 1)]:
        drop.append("id")  # ids LIBKML invented, not the user's
    return frame.drop(columns=drop)


# --- CSV ---------------------------------------------------------------------------
def _read_csv(path: Path, shown: str, encoding: str | None) -> gpd.GeoDataFrame:
    raw = path.read_bytes()
    codec = next((c for c in ([encoding] if encoding else ["utf-8-sig", "gb18030"]) if decodes(raw, c, 0)), None)
    if codec is None:
        raise invalid_file(shown, "无法按 UTF-8 或 GBK 解码", "cannot be decoded as UTF-8 or GBK",
                       hint_zh="请指定 --encoding", hint_en="pass --encoding")
    try:
        table = pd.read_csv(StringIO(raw.decode(codec)), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise invalid_file(shown, f"CSV 格式错误：{exc}", f"is not valid CSV: {exc}") from None
    table.columns = [str(c).strip() for c in table.columns]
    wkt_column = _find_column(table, WKT_COLUMNS)
    if wkt_column is not None:
        geometry = _wkt_geometries(table[wkt_column], shown)
        table = table.drop(columns=[wkt_column])
    else:
        lon_column, lat_column = _find_column(table, LON_COLUMNS), _find_column(table, LAT_COLUMNS)
        if lon_column is None or lat_column is None:
            raise invalid_file(shown, f"找不到几何列：需要 WKT 列 {WKT_COLUMNS}，或经度 {LON_COLUMNS} 与纬度 {LAT_COLUMNS} 列",
                           f"has no geometry: need a WKT column {WKT_COLUMNS} or lon {LON_COLUMNS} and lat {LAT_COLUMNS}")
        geometry = _point_geometries(table[lon_column], table[lat_column], shown)
        table = table.drop(columns=[lon_column, lat_column])
    for column in table.columns:
        table[column] = _typed_column(table[column])
    return gpd.GeoDataFrame(table, geometry=geometry, crs=None)


def _find_column(table: pd.DataFrame, candidates: tuple[str, ...]) -> str | None:
    by_lower = {c.lower(): c for c in table.columns}
    return next((by_lower[name.lower()] for name in candidates if name.lower() in by_lower), None)


def _wkt_geometries(column: pd.Series, shown: str) -> np.ndarray:
    text = column.astype(str).str.strip()
    empty = text.eq("").to_numpy()
    geoms = shapely.from_wkt(np.where(empty, None, text.to_numpy(dtype=object)), on_invalid="ignore")
    bad = np.flatnonzero(~empty & shapely.is_missing(geoms))
    if bad.size:
        row = int(bad[0])
        raise invalid_file(shown, f"第 {row + 1} 行 WKT 无法解析：{text.iloc[row][:60]!r}",
                       f"row {row + 1}: unparsable WKT {text.iloc[row][:60]!r}", detail={"row": row + 1})
    return geoms


def _point_geometries(lon: pd.Series, lat: pd.Series, shown: str) -> np.ndarray:
    lon_text, lat_text = lon.astype(str).str.strip(), lat.astype(str).str.strip()
    x = pd.to_numeric(lon_text, errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(lat_text, errors="coerce").to_numpy(dtype=float)
    both_empty = (lon_text.eq("") & lat_text.eq("")).to_numpy()
    bad = np.flatnonzero(~both_empty & ~(np.isfinite(x) & np.isfinite(y)))
    if bad.size:
        row = int(bad[0])
        raise invalid_file(shown, f"第 {row + 1} 行坐标无效：{lon_text.iloc[row]!r}, {lat_text.iloc[row]!r}",
                       f"row {row + 1}: invalid coordinates {lon_text.iloc[row]!r}, {lat_text.iloc[row]!r}",
                       detail={"row": row + 1})
    points = shapely.points(np.where(both_empty, 0.0, x), np.where(both_empty, 0.0, y))
    return np.where(both_empty, None, points)


def _typed_column(column: pd.Series) -> pd.Series:
    """Numbers become numbers, except code-like values: leading zeros or long digit
    runs (宗地编码, 18-digit IDs) are identifiers, not quantities."""
    text = column.astype(object).str.strip()
    filled = text.ne("")
    numbers = pd.to_numeric(text.where(filled), errors="coerce")
    code_like = text[filled].str.match(r"^[+-]?0\d") | text[filled].str.match(r"^\d{10,}$")
    if filled.any() and numbers[filled].notna().all() and not code_like.any():
        return numbers
    return text.where(filled, None)


# --- reprojection ------------------------------------------------------------------
def _to_storage_frame(
    frame: gpd.GeoDataFrame, file_crs: Any, override: CrsSpec | None, default: CrsSpec | None, shown: str
) -> gpd.GeoDataFrame:
    geoms = np.asarray(frame.geometry.to_numpy(), dtype=object)
    source_crs: pyproj.CRS | None = None
    if override is not None:
        spec: CrsSpec | None = override
    elif file_crs is not None:
        source_crs = pyproj.CRS.from_user_input(file_crs)
        try:
            spec = spec_from_pyproj(source_crs)
        except UnsupportedCrs as exc:
            raise invalid_file(shown, exc.message_zh, exc.message_en, detail=exc.detail) from None
    elif default is not None:
        spec = default
    else:
        raise invalid_file(shown, "未声明坐标参考系", "declares no coordinate reference system",
                       hint_zh="请用 --crs 指定，如 --crs EPSG:4547", hint_en="pass --crs, e.g. --crs EPSG:4547")
    label = spec.label if spec is not None else source_crs.name
    try:  # a file CRS without an EPSG code (ESRI WKT) goes to pyproj as is
        stored = to_storage(geoms, spec if spec is not None else source_crs)
    except ProjError as exc:
        raise invalid_file(shown, f"坐标无法从 {label} 转换：{exc}", f"coordinates cannot be converted from {label}: {exc}",
                       hint_zh="请检查 --crs", hint_en="check --crs") from None
    _check_plausible(stored, spec.pyproj_srs if spec else source_crs, label, shown)
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    result = gpd.GeoDataFrame(attributes, geometry=gpd.GeoSeries(stored, index=frame.index), crs=STORAGE_EPSG)
    result.attrs["source_crs"] = label
    return result


def _check_plausible(geoms: np.ndarray, source: Any, label: str, shown: str) -> None:
    """Catch swapped axes or a wrong CRS before they reach the database."""
    source_crs = pyproj.CRS.from_user_input(source)
    bounds = (-180.0, -90.0, 180.0, 90.0)
    if source_crs.is_projected and source_crs.area_of_use is not None:
        west, south, east, north = source_crs.area_of_use.bounds
        bounds = (west - 1.0, south - 1.0, east + 1.0, north + 1.0)  # 1° slack beyond the zone
    boxes = shapely.bounds(geoms)  # NaN for null/empty geometries
    present = ~np.isnan(boxes).all(axis=1)
    inside = (np.isfinite(boxes).all(axis=1) & (boxes[:, 0] >= bounds[0]) & (boxes[:, 1] >= bounds[1])
              & (boxes[:, 2] <= bounds[2]) & (boxes[:, 3] <= bounds[3]))
    outside = np.flatnonzero(present & ~inside)
    if outside.size:
        index = int(outside[0])
        raise invalid_file(shown, f"第 {index + 1} 个要素的坐标超出 {label} 的适用范围",
                       f"feature {index + 1}: coordinates fall outside the area of use of {label}",
                       hint_zh="请检查 --crs，以及 x 是否为经度/东坐标（测量文件常把 X 写作北坐标）",
                       hint_en="check --crs and that x is longitude/easting (survey files often call the northing X)",
                       detail={"feature": index + 1})
