"""CSV and XLSX downloads: every property plus a ``wkt`` geometry column, safe to open in Excel.

UTF-8 with a BOM (Excel otherwise guesses GBK and garbles Chinese), CRLF rows
(RFC 4180). WKT is lon, lat in EPSG:4490 with 9 decimals (~0.1 mm); a CSV
cannot declare its CRS, so ``ExportResult.crs`` carries it for a header.
GDAL's CSV driver and QGIS's delimited-text provider pick up ``wkt`` by name.
"""
from __future__ import annotations

import math
from pathlib import Path

import openpyxl

import geopandas as gpd
import pandas as pd
import shapely

from gis_service.services.exports.base import datetimes_as_text
from gis_service.services.exports.typed import date_columns

WKT_COLUMN = "wkt"
WKT_DECIMALS = 9
# A cell starting with one of these is run as a formula by Excel/LibreOffice/WPS.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """Prefix text that a spreadsheet would run as a formula with ``'``; leave the rest alone.

    Only strings are touched: a genuine negative number (int/float) stays numeric.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _table(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """Every property (dates as text, formulas neutralised) plus the ``wkt`` column."""
    geometry = frame.geometry
    frame = frame.copy()
    for column in date_columns(frame):  # a date, not midnight of it
        frame[column] = frame[column].dt.strftime("%Y-%m-%d").astype(object).where(frame[column].notna(), None)
    table = pd.DataFrame(datetimes_as_text(frame).drop(columns=geometry.name))
    if WKT_COLUMN in table.columns:
        table = table.rename(columns={WKT_COLUMN: f"{WKT_COLUMN}_property"})
    for column in table.columns:
        if not (pd.api.types.is_numeric_dtype(table[column].dtype)
                or pd.api.types.is_datetime64_any_dtype(table[column].dtype)):
            table[column] = table[column].map(neutralise_formula)
    table.columns = [neutralise_formula(str(c)) for c in table.columns]
    wkt = shapely.to_wkt(geometry.values, rounding_precision=WKT_DECIMALS, trim=True)
    table[WKT_COLUMN] = pd.Series(wkt, index=table.index).where(geometry.notna().values, "")
    return table


def write_csv(frame: gpd.GeoDataFrame, directory: Path, stem: str, *, append: bool = False) -> Path:
    table = _table(frame)
    path = directory / f"{stem}.csv"
    if append:  # later chunks of a streamed export: no BOM, no header
        table.to_csv(path, index=False, header=False, mode="a", encoding="utf-8", lineterminator="\r\n")
    else:
        table.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path


def _cell(value):
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value


def write_xlsx(frame: gpd.GeoDataFrame, directory: Path, stem: str, *, title: str | None = None) -> Path:
    """The CSV's table as one sheet (Excel and WPS open it without an encoding guess)."""
    table = _table(frame)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(stem[:31] or "layer")
    sheet.freeze_panes = "A2"
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False, name=None):
        sheet.append([_cell(v) for v in row])
    if title:
        workbook.properties.title = title
    path = directory / f"{stem}.xlsx"
    workbook.save(path)
    return path
