"""Typed download columns: numbers as numbers and dates as OGR Date fields.

Rows arrive as JSON, where a column that is null on every row has no type and a date is
text; ``typed_frame`` casts each declared property to its type. pyogrio's
``write_dataframe`` knows DateTime but not Date, so ``write_ogr`` hands date columns to
``pyogrio.raw.write`` as ``datetime64[D]``, which GDAL writes as Date (DBF ``D`` in a
Shapefile, DATE in a GeoPackage, Date in FlatGeobuf).
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio import raw

_NUMERIC = {"number": "Float64", "integer": "Int64"}


def typed_frame(frame: gpd.GeoDataFrame, properties: dict) -> gpd.GeoDataFrame:
    """Cast declared numeric properties to nullable numbers and date properties to datetime64."""
    for name, prop in properties.items():
        if name not in frame.columns or prop.is_json:
            continue
        if prop.json_type in _NUMERIC:
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(_NUMERIC[prop.json_type])
        elif prop.format == "date":
            frame[name] = pd.to_datetime(frame[name], format="%Y-%m-%d", errors="coerce").astype("datetime64[s]")
    return frame


def date_columns(frame: gpd.GeoDataFrame) -> list[str]:
    """Naive datetime64 columns: only date properties are cast to them (see typed_frame)."""
    return [c for c in frame.columns if c != frame.geometry.name
            and pd.api.types.is_datetime64_dtype(frame[c].dtype) and not isinstance(frame[c].dtype, pd.DatetimeTZDtype)]


def _field(column: pd.Series, is_date: bool) -> tuple[np.ndarray, np.ndarray | None]:
    if is_date:
        return column.to_numpy().astype("datetime64[D]"), column.isna().to_numpy()
    values = column.array
    if isinstance(values, (pd.arrays.IntegerArray, pd.arrays.FloatingArray, pd.arrays.BooleanArray)):
        return values._data, values._mask
    return column.to_numpy(), None


def write_ogr(frame: gpd.GeoDataFrame, path: Path, *, driver: str, **options) -> None:
    """``pyogrio.write_dataframe``, with date columns written as Date fields."""
    dates = date_columns(frame)
    if not dates or not options.get("geometry_type"):
        pyogrio.write_dataframe(frame, path, driver=driver, **options)
        return
    geometry = frame.geometry.name
    fields = [c for c in frame.columns if c != geometry]
    data, masks = zip(*(_field(frame[c], c in dates) for c in fields)) if fields else ((), ())
    raw.write(path, shapely.to_wkb(frame.geometry.values), list(data), fields, field_mask=list(masks),
              driver=driver, crs="EPSG:4490", **options)
