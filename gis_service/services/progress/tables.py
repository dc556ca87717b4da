"""Small tables as CSV (UTF-8 BOM, Excel-safe) or XLSX, with formula injection neutralised."""
from __future__ import annotations

import io

import pandas as pd

from gis_service.services.exports import neutralise_formula

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def table_bytes(rows: list[dict], fmt: str, sheet_name: str = "stats") -> bytes:
    frame = pd.DataFrame(rows)
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(neutralise_formula)
    if fmt == "csv":
        return frame.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, sheet_name=sheet_name, engine="openpyxl")
    return buffer.getvalue()
