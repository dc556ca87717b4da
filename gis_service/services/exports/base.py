"""What every download writer shares: the format table, the result handle and frame clean-up."""
from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from gis_service.errors import BadParameter

STORAGE_CRS = "EPSG:4490"

# token -> (media type, file extension). Shapefiles travel as ".shp.zip", which
# GDAL >= 3.1 and so QGIS open directly, without unzipping.
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "shp": ("application/zip", "shp.zip"),
    "kml": ("application/vnd.google-earth.kml+xml", "kml"),
    "fgb": ("application/flatgeobuf", "fgb"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}

MULTI_TYPES = {"Point": "MultiPoint", "LineString": "MultiLineString", "Polygon": "MultiPolygon"}
SINGLE_TYPES = {multi: single for single, multi in MULTI_TYPES.items()}


@dataclass
class ExportResult:
    """A finished download: stream ``path``, then call ``cleanup()``."""

    path: Path
    media_type: str
    filename: str
    crs: str | None = STORAGE_CRS  # what the coordinates are in (lon, lat order in every file)

    def cleanup(self) -> None:
        # Each export owns a private temp directory, so removing it removes every side file.
        shutil.rmtree(self.path.parent, ignore_errors=True)

    def __enter__(self) -> ExportResult:
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()


def format_spec(fmt: str) -> tuple[str, str]:
    try:
        return EXPORT_FORMATS[fmt]
    except KeyError:
        known = ", ".join(EXPORT_FORMATS)
        raise BadParameter("f", f"不支持的下载格式 {fmt!r}（可选：{known}）",
                           f"unsupported download format {fmt!r} (one of: {known})", detail={"value": fmt}) from None


def ascii_stem(layer_name: str) -> str:
    """A file name stem safe in Content-Disposition and inside zip files."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", str(layer_name)).strip("_-")
    return stem[:64] or "layer"


def plain_value(value):
    """Turn a property value into something every OGR driver can store."""
    if isinstance(value, (dict, list, tuple, set)):
        items = sorted(value, key=str) if isinstance(value, set) else value
        return json.dumps(items, ensure_ascii=False, default=str)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def prepare_frame(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy in EPSG:4490 whose object columns hold only plain scalars."""
    frame = gdf.copy()
    if frame.index.name and frame.index.name not in frame.columns:
        frame = frame.reset_index()  # a named index (e.g. ``id``) is data worth keeping
    else:
        frame = frame.reset_index(drop=True)
    if frame.crs is None:
        frame = frame.set_crs(STORAGE_CRS)
    elif frame.crs.to_epsg() != 4490:
        frame = frame.to_crs(STORAGE_CRS)
    geometry = frame.geometry.name
    for column in frame.columns:
        if column != geometry and frame[column].dtype == object:
            frame[column] = frame[column].map(plain_value).astype(object)
    # A missing geometry may arrive as an empty geometry; writers treat both as null.
    frame.loc[frame.geometry.is_empty.fillna(False), geometry] = None
    return frame


def resolve_geometry_type(frame: gpd.GeoDataFrame, declared: str | None) -> str | None:
    """The layer's geometry type: the collection's declared one, else the first feature's."""
    if declared:
        return declared
    present = frame.geometry.dropna()
    if present.empty:
        return None
    types = set(present.geom_type)
    first = present.iloc[0].geom_type
    single = SINGLE_TYPES.get(first, first)
    if any(t in MULTI_TYPES.values() for t in types):
        return MULTI_TYPES.get(single, first)  # mixed single/multi: promote
    return first


def ogr_write_options(frame: gpd.GeoDataFrame, geometry_type: str | None) -> dict:
    """pyogrio keyword arguments that fix the layer's geometry type, nulls included."""
    if geometry_type is None:
        # Nothing to infer from: an all-null layer is written as points, the simplest type.
        return {"geometry_type": "Point"} if frame.geometry.isna().all() else {}
    return {"geometry_type": geometry_type, "promote_to_multi": geometry_type in SINGLE_TYPES}


def datetimes_as_text(frame: gpd.GeoDataFrame, keep=()) -> gpd.GeoDataFrame:
    """ISO strings for datetime columns (except ``keep``), for formats that would drop the time or zone."""
    frame = frame.copy()
    for column in frame.columns:
        if column not in keep and pd.api.types.is_datetime64_any_dtype(frame[column].dtype):
            frame[column] = frame[column].map(
                lambda v: None if pd.isna(v) else v.isoformat()).astype(object)
    return frame
