"""Read users' vector files into a GeoDataFrame in EPSG:4490 (lon/lat).

Formats: GeoJSON, GeoPackage, zipped (or bare) Shapefile, KML, CSV with a WKT
column or lon/lat columns. ``crs`` uses the shared vocabulary of
``gis_service.crs.parse_crs`` and overrides whatever the file declares.
Every failure is an ``InvalidFile`` naming the file (and row/feature).
"""
from __future__ import annotations

import re
import struct
from io import StringIO
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
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
from gis_service.errors import InvalidFile, UnsupportedCrs

MAX_ZIP_MEMBERS = 500
MAX_ZIP_UNCOMPRESSED_BYTES = 2 * 1024**3
MAX_ZIP_RATIO = 200  # beyond 64 MB, a member may inflate at most this many times its packed size
DBF_SCAN_BYTES = 32 * 1024**2  # enough records to tell GBK from UTF-8

WKT_COLUMNS = ("wkt", "geometry", "WKT")
LON_COLUMNS = ("lon", "lng", "longitude", "x", "经度")
LAT_COLUMNS = ("lat", "latitude", "y", "纬度")
OGR_SUFFIXES = {".geojson", ".json", ".gpkg", ".kml", ".shp"}
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
        raise _invalid(path, "文件不存在", "file not found")
    override = parse_crs(crs) if crs not in (None, "") else None
    suffix = path.suffix.lower()
    if suffix == ".zip":
        with tempfile.TemporaryDirectory(prefix="gis-import-") as tmp:
            inner = _extract_zip(path, Path(tmp), layer)
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
            encoding = encoding or _shapefile_encoding(path, shown)
        frame = _read_ogr(path, shown, encoding, layer)
        file_crs = frame.crs
    else:
        raise _invalid(shown, f"不支持的文件类型 {suffix or '(无)'}", f"unsupported file type {suffix or '(none)'}",
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
            raise _invalid(shown, f"找不到图层 {layer!r}（现有：{names}）",
                           f"layer {layer!r} not found (available: {names})")
        if path.suffix.lower() == ".kml" and layer is None:
            return _read_kml_layers(path, names, encoding)
        if layer is None:
            # First spatial layer: a GeoPackage may also hold plain attribute tables.
            spatial = [str(name) for name, geom_type in layers if geom_type]
            layer = spatial[0] if spatial else (names[0] if names else None)
        frame = pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except _OGR_ERRORS as exc:
        raise _invalid(shown, f"无法读取：{exc}", f"cannot be read: {exc}") from None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise _invalid(shown, f"图层 {layer!r} 没有几何列", f"layer {layer!r} has no geometry column")
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


# --- Shapefile encoding ------------------------------------------------------------
def _sibling(path: Path, suffix: str) -> Path | None:
    for candidate in path.parent.iterdir():
        if candidate.stem == path.stem and candidate.suffix.lower() == suffix:
            return candidate
    return None


def _shapefile_encoding(shp: Path, shown: str) -> str | None:
    """None lets GDAL honour .cpg; otherwise guess UTF-8 vs GBK from the .dbf."""
    for companion in (".shx", ".dbf"):
        if _sibling(shp, companion) is None:
            raise _invalid(shown, f"缺少配套文件 {shp.stem}{companion}", f"missing companion file {shp.stem}{companion}")
    if _sibling(shp, ".cpg") is not None:
        return None
    values = _dbf_text_values(_sibling(shp, ".dbf"))
    non_ascii = [v for v in values if not v.isascii()]
    if not non_ascii:
        return None
    if all(_decodes(v, "utf-8") for v in non_ascii):
        return "UTF-8"
    if all(_decodes(v, "gb18030") for v in non_ascii):
        return "GB18030"  # superset of GBK/GB2312
    raise _invalid(
        shown, "无法判断属性表编码（既非 UTF-8 也非 GBK）", "cannot tell the attribute encoding (neither UTF-8 nor GBK)",
        hint_zh="请附带 .cpg 文件或指定 --encoding", hint_en="add a .cpg file or pass --encoding",
    )


def _decodes(raw: bytes, codec: str, truncated_bytes: int = 2) -> bool:
    # A fixed-width DBF field may cut the last multi-byte character in half.
    for cut in range(truncated_bytes + 1):
        try:
            raw[:len(raw) - cut].decode(codec)
            return True
        except (UnicodeDecodeError, LookupError):
            continue
    return False


def _dbf_text_values(dbf: Path) -> list[bytes]:
    """Field names and character-field values of a dBASE file (first records only)."""
    with dbf.open("rb") as handle:
        data = handle.read(DBF_SCAN_BYTES)
    if len(data) < 32:
        return []
    header_len, record_len = struct.unpack("<HH", data[8:12])
    values, text_fields, position = [], [], 1  # position 0 is the deletion flag
    for start in range(32, header_len - 31, 32):
        block = data[start:start + 32]
        if block[:1] == b"\r":
            break
        values.append(block[:11].split(b"\0", 1)[0])
        if block[11:12] == b"C":
            text_fields.append((position, block[16]))
        position += block[16]
    for record in range(header_len, len(data) - record_len + 1, max(record_len, 1)):
        values.extend(data[record + at:record + at + width].rstrip(b" \0") for at, width in text_fields)
    return values


# --- zip archives ------------------------------------------------------------------
def _extract_zip(archive: Path, target: Path, layer: str | None) -> Path:
    """Safely extract ``archive`` into ``target`` and return the file to read."""
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            _check_zip_members(archive, members)
            root = target.resolve()
            written = 0
            for member in members:
                destination, before = (root / _member_name(member)).resolve(), written
                if not destination.is_relative_to(root):
                    raise _zip_slip(archive, member.filename)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as source, destination.open("wb") as sink:
                    # Count real bytes (headers can lie); GIS files deflate ~3-20x, a bomb's zeros ~1000x.
                    while chunk := source.read(1024 * 1024):
                        written += len(chunk)
                        inflated = written - before
                        ratio_cap = max(64 * 1024**2, MAX_ZIP_RATIO * member.compress_size)
                        if written > MAX_ZIP_UNCOMPRESSED_BYTES or inflated > ratio_cap:
                            raise _zip_too_big(archive)
                        sink.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        raise _invalid(archive.name, f"不是有效的 zip 压缩包：{exc}", f"is not a valid zip archive: {exc}") from None
    return _pick_zip_entry(archive, target, layer)


def _member_name(member: zipfile.ZipInfo) -> str:
    """Undo cp437 decoding of names from zip tools that wrote GBK (or UTF-8) unflagged."""
    if member.flag_bits & 0x800 or member.filename.isascii():
        return member.filename
    raw = member.filename.encode("cp437", errors="replace")
    return next((raw.decode(c) for c in ("utf-8", "gb18030") if _decodes(raw, c, 0)), member.filename)


def _check_zip_members(archive: Path, members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_ZIP_MEMBERS:
        raise _invalid(archive.name, f"压缩包内文件过多（{len(members)} 个，上限 {MAX_ZIP_MEMBERS}）",
                       f"has too many members ({len(members)}, limit {MAX_ZIP_MEMBERS})")
    if sum(m.file_size for m in members) > MAX_ZIP_UNCOMPRESSED_BYTES:
        raise _zip_too_big(archive)
    for member in members:
        name = member.filename.replace("\\", "/")
        parts = PurePosixPath(name).parts
        is_symlink = (member.external_attr >> 16) & 0o170000 == 0o120000
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts or is_symlink:
            raise _zip_slip(archive, member.filename)


def _pick_zip_entry(archive: Path, root: Path, layer: str | None) -> Path:
    files = [p for p in root.rglob("*") if p.is_file()
             and "__MACOSX" not in p.parts and not p.name.startswith(".")]
    shapefiles = [p for p in files if p.suffix.lower() == ".shp"]
    if layer is not None and shapefiles:
        shapefiles = [p for p in shapefiles if p.stem == layer]
    if len(shapefiles) == 1:
        return shapefiles[0]
    if len(shapefiles) > 1:
        names = sorted(p.stem for p in shapefiles)
        raise _invalid(archive.name, f"包含多个 Shapefile {names}，请用 layer 指定其一",
                       f"holds several shapefiles {names}; choose one with layer")
    readable = [p for p in files if p.suffix.lower() in (OGR_SUFFIXES | {".csv"}) - {".shp"}]
    if len(readable) == 1:
        return readable[0]
    raise _invalid(archive.name, "压缩包中没有唯一可读取的 .shp（或其他矢量文件）",
                   "contains no single .shp (or other vector file) to read")


def _zip_slip(archive: Path, member: str) -> InvalidFile:
    return _invalid(archive.name, f"压缩包成员路径不安全：{member!r}", f"has an unsafe member path {member!r}")


def _zip_too_big(archive: Path) -> InvalidFile:
    limit_mb = MAX_ZIP_UNCOMPRESSED_BYTES // 1024**2
    return _invalid(archive.name, f"解压后超过 {limit_mb} MB 或 {MAX_ZIP_RATIO} 倍压缩大小",
                    f"expands beyond the {limit_mb} MB limit or {MAX_ZIP_RATIO}x its packed size")


# --- CSV ---------------------------------------------------------------------------
def _read_csv(path: Path, shown: str, encoding: str | None) -> gpd.GeoDataFrame:
    raw = path.read_bytes()
    codec = next((c for c in ([encoding] if encoding else ["utf-8-sig", "gb18030"]) if _decodes(raw, c, 0)), None)
    if codec is None:
        raise _invalid(shown, "无法按 UTF-8 或 GBK 解码", "cannot be decoded as UTF-8 or GBK",
                       hint_zh="请指定 --encoding", hint_en="pass --encoding")
    try:
        table = pd.read_csv(StringIO(raw.decode(codec)), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise _invalid(shown, f"CSV 格式错误：{exc}", f"is not valid CSV: {exc}") from None
    table.columns = [str(c).strip() for c in table.columns]
    wkt_column = _find_column(table, WKT_COLUMNS)
    if wkt_column is not None:
        geometry = _wkt_geometries(table[wkt_column], shown)
        table = table.drop(columns=[wkt_column])
    else:
        lon_column, lat_column = _find_column(table, LON_COLUMNS), _find_column(table, LAT_COLUMNS)
        if lon_column is None or lat_column is None:
            raise _invalid(shown, f"找不到几何列：需要 WKT 列 {WKT_COLUMNS}，或经度 {LON_COLUMNS} 与纬度 {LAT_COLUMNS} 列",
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
        raise _invalid(shown, f"第 {row + 1} 行 WKT 无法解析：{text.iloc[row][:60]!r}",
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
        raise _invalid(shown, f"第 {row + 1} 行坐标无效：{lon_text.iloc[row]!r}, {lat_text.iloc[row]!r}",
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
            raise _invalid(shown, exc.message_zh, exc.message_en, detail=exc.detail) from None
    elif default is not None:
        spec = default
    else:
        raise _invalid(shown, "未声明坐标参考系", "declares no coordinate reference system",
                       hint_zh="请用 --crs 指定，如 --crs EPSG:4547", hint_en="pass --crs, e.g. --crs EPSG:4547")
    label = spec.label if spec is not None else source_crs.name
    try:  # a file CRS without an EPSG code (ESRI WKT) goes to pyproj as is
        stored = to_storage(geoms, spec if spec is not None else source_crs)
    except ProjError as exc:
        raise _invalid(shown, f"坐标无法从 {label} 转换：{exc}", f"coordinates cannot be converted from {label}: {exc}",
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
        raise _invalid(shown, f"第 {index + 1} 个要素的坐标超出 {label} 的适用范围",
                       f"feature {index + 1}: coordinates fall outside the area of use of {label}",
                       hint_zh="请检查 --crs，以及 x 是否为经度/东坐标（测量文件常把 X 写作北坐标）",
                       hint_en="check --crs and that x is longitude/easting (survey files often call the northing X)",
                       detail={"feature": index + 1})


def _invalid(file: str | Path, reason_zh: str, reason_en: str, *, hint_zh: str = "", hint_en: str = "",
             detail: dict[str, Any] | None = None) -> InvalidFile:
    name = file.name if isinstance(file, Path) else file
    message_zh = f"{name}：{reason_zh}" + (f"。{hint_zh}" if hint_zh else "")
    message_en = f"{name}: {reason_en}" + (f"; {hint_en}" if hint_en else "")
    return InvalidFile(message_zh, message_en, detail={"file": name, "reason": reason_en, **(detail or {})})

