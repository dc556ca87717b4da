"""Zipped Shapefile download: a ``.cpg`` for the chosen encoding and ≤10-byte field names.

Field-name mapping (``shapefile_field_names``), applied in column order:

1. A name whose bytes in the chosen encoding fit in 10 and that no earlier kept
   name already uses (DBF names compare case-insensitively) stays as it is.
2. Every other name keeps the longest prefix of whole characters that fits in
   10 bytes (GBK: 2 bytes per CJK character, so 5; UTF-8: 3 bytes, so 3).
3. If that prefix is taken, it is shortened to leave room for ``_1``, ``_2``, …
   and the first free one is used (the same scheme GDAL uses when it truncates).

Characters the encoding cannot represent become ``_`` in names and ``?`` in
values (e.g. emoji or CJK Extension B in GBK). Text values longer than 254 bytes are cut by the
driver, and datetimes are written as ISO text because DBF dates drop the time.
Rows without geometry are kept as null shape records. The zip also holds
``fields.csv`` (original_name,shapefile_name).
"""
from __future__ import annotations

import csv
import io
import itertools
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from gis_service.errors import BadParameter
from gis_service.services.exports.base import datetimes_as_text, ogr_write_options
from gis_service.services.exports.typed import date_columns, write_ogr

FIELD_NAME_BYTES = 10
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
ENCODINGS = {"UTF-8": "utf-8", "GBK": "gbk"}  # .cpg spelling -> Python codec
ENCODING_ALIASES = {"UTF8": "UTF-8", "UTF-8": "UTF-8", "GBK": "GBK", "CP936": "GBK"}


def shapefile_encoding(encoding: str) -> str:
    """The ``.cpg`` spelling of a requested encoding; only UTF-8 and GBK are offered."""
    canonical = ENCODING_ALIASES.get(str(encoding).strip().upper())
    if canonical is None:
        raise BadParameter("encoding", f"Shapefile 编码只能是 UTF-8 或 GBK，收到 {encoding!r}",
                           f"shapefile encoding must be UTF-8 or GBK, got {encoding!r}", detail={"value": encoding})
    return canonical


def _encodable(name: str, codec: str) -> str:
    return "".join(ch if _fits_codec(ch, codec) else "_" for ch in name)


def _fits_codec(ch: str, codec: str) -> bool:
    try:
        ch.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _prefix_within(name: str, limit: int, codec: str) -> str:
    """The longest prefix of whole characters whose encoding fits in ``limit`` bytes."""
    used, kept = 0, []
    for ch in name:
        size = len(ch.encode(codec))
        if used + size > limit:
            break
        kept.append(ch)
        used += size
    return "".join(kept)


def shapefile_field_names(columns, encoding: str = "UTF-8") -> dict[str, str]:
    """Map each column name to a unique DBF field name of at most 10 bytes (see module doc)."""
    codec = ENCODINGS[shapefile_encoding(encoding)]
    names = [str(c) for c in columns]
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        fits = name and _encodable(name, codec) == name and len(name.encode(codec)) <= FIELD_NAME_BYTES
        if fits and name.casefold() not in taken and name not in mapping:
            mapping[name] = name
            taken.add(name.casefold())
    for name in names:
        if name in mapping:
            continue
        base = _encodable(name, codec) or "field"
        candidate = _prefix_within(base, FIELD_NAME_BYTES, codec)
        for number in itertools.count(1):
            if candidate and candidate.casefold() not in taken:
                break
            suffix = f"_{number}"
            candidate = _prefix_within(base, FIELD_NAME_BYTES - len(suffix), codec) + suffix
        mapping[name] = candidate
        taken.add(candidate.casefold())
    return {name: mapping[name] for name in names}


def _representable(frame: gpd.GeoDataFrame, codec: str) -> gpd.GeoDataFrame:
    """Replace characters ``codec`` cannot encode with ``?`` (GDAL would, with a warning)."""
    frame = frame.copy()
    for column in frame.columns:
        dtype = frame[column].dtype
        if column != frame.geometry.name and (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
            frame[column] = frame[column].map(
                lambda v: v.encode(codec, errors="replace").decode(codec) if isinstance(v, str) else v
            ).astype(object)
    return frame


def fields_csv(mapping: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["original_name", "shapefile_name"])
    writer.writerows(mapping.items())
    return out.getvalue().encode("utf-8-sig")  # BOM: Excel then reads the Chinese names


# The DBF header's language driver id (byte 29), for tools that ignore .cpg: 0x4D is code
# page 936 (GBK); UTF-8 has no id, and 0 makes readers fall back to .cpg, never to a wrong page.
LANGUAGE_DRIVER_IDS = {"GBK": 0x4D, "UTF-8": 0x00}


def _set_language_driver(dbf: Path, cpg: str) -> None:
    with open(dbf, "r+b") as handle:
        handle.seek(29)
        handle.write(bytes([LANGUAGE_DRIVER_IDS[cpg]]))


def write_shapefile_zip(frame: gpd.GeoDataFrame, directory: Path, stem: str, *,
                        geometry_type: str | None, encoding: str) -> Path:
    cpg = shapefile_encoding(encoding)
    geometry = frame.geometry.name
    mapping = shapefile_field_names([c for c in frame.columns if c != geometry], cpg)
    # Dates stay dates (DBF D); other datetimes become ISO text, as DBF dates drop the time.
    renamed = _representable(datetimes_as_text(frame, keep=date_columns(frame)), ENCODINGS[cpg]).rename(columns=mapping)
    parts_dir = directory / "shp"
    parts_dir.mkdir()
    shp = parts_dir / f"{stem}.shp"
    write_ogr(renamed, shp, driver="ESRI Shapefile", encoding=cpg, **ogr_write_options(frame, geometry_type))
    shp.with_suffix(".cpg").write_text(cpg, encoding="ascii")  # exact spelling, whatever GDAL wrote
    _set_language_driver(shp.with_suffix(".dbf"), cpg)
    archive = directory / f"{stem}.shp.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for suffix in SHAPEFILE_PARTS:
            part = shp.with_suffix(suffix)
            if part.exists():
                zf.write(part, arcname=part.name)
        zf.writestr("fields.csv", fields_csv(mapping))
    return archive
