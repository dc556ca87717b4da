"""``export_frame``: one GeoDataFrame in EPSG:4490 -> one download file in a private temp dir."""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd

import pandas as pd

from gis_service.services.exports.base import (
    STORAGE_CRS, ExportResult, ascii_stem, format_spec, ogr_write_options, prepare_frame,
    resolve_geometry_type,
)
from gis_service.services.exports.geopackage import write_geopackage
from gis_service.services.exports.kml import KML_CRS, write_kml
from gis_service.services.exports.shapefile import shapefile_encoding, write_shapefile_zip
from gis_service.services.exports.tabular import write_csv, write_xlsx
from gis_service.services.exports.typed import write_ogr


def write_flatgeobuf(frame: gpd.GeoDataFrame, directory: Path, stem: str, *,
                     geometry_type: str | None, title: str | None) -> Path:
    path = directory / f"{stem}.fgb"
    # GDAL refuses null geometries in an indexed FlatGeobuf; keeping every row wins over the index.
    # With the index, features are stored in Hilbert-curve order, not the API's order.
    has_nulls = bool(frame.geometry.isna().any())
    options = {"SPATIAL_INDEX": "NO" if has_nulls else "YES", "TITLE": title or stem}
    write_ogr(frame, path, driver="FlatGeobuf", layer=stem, layer_options=options,
              **ogr_write_options(frame, geometry_type))
    return path


def export_frame(gdf: gpd.GeoDataFrame, fmt: str, layer_name: str, *,
                 style: dict | None = None, title: str | None = None, encoding: str = "UTF-8",
                 geometry_type: str | None = None) -> ExportResult:
    """Write ``gdf`` (EPSG:4490 lon/lat) as ``fmt``; stream ``result.path``, then ``cleanup()``.

    ``style`` styles GeoPackage (QGIS ``layer_styles``) and KML; ``encoding`` applies
    to Shapefile only (UTF-8 or GBK; every other format is UTF-8); ``geometry_type``
    is the collection's declared type, used when rows cannot tell (e.g. all null).
    """
    media_type, extension = format_spec(fmt)
    if fmt == "shp":
        shapefile_encoding(encoding)  # reject a bad encoding before any work
    stem = ascii_stem(layer_name)
    frame = prepare_frame(gdf)
    geometry_type = resolve_geometry_type(frame, geometry_type)
    directory = Path(tempfile.mkdtemp(prefix=f"gis-export-{fmt}-"))
    try:
        if fmt == "csv":
            path = write_csv(frame, directory, stem)
        elif fmt == "xlsx":
            path = write_xlsx(frame, directory, stem, title=title)
        elif fmt == "gpkg":
            path = write_geopackage(frame, directory, stem, geometry_type=geometry_type,
                                    style=style, title=title)
        elif fmt == "shp":
            path = write_shapefile_zip(frame, directory, stem, geometry_type=geometry_type,
                                       encoding=encoding)
        elif fmt == "kml":
            path = write_kml(frame, directory, stem, geometry_type=geometry_type,
                             style=style, title=title)
        else:
            path = write_flatgeobuf(frame, directory, stem, geometry_type=geometry_type,
                                    title=title)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return ExportResult(path=path, media_type=media_type, filename=f"{stem}.{extension}",
                        crs=KML_CRS if fmt == "kml" else STORAGE_CRS)


# Writers that can append chunk by chunk, so a 200k-feature download keeps memory flat.
STREAMED_FORMATS = ("gpkg", "csv")


def export_frames(frames: Iterable[gpd.GeoDataFrame], fmt: str, layer_name: str, *,
                  style: dict | None = None, title: str | None = None, encoding: str = "UTF-8",
                  geometry_type: str | None = None) -> ExportResult:
    """Like ``export_frame`` for a sequence of chunks with the same columns.

    GeoPackage and CSV are written chunk by chunk; the other formats need the
    whole layer at once, so their chunks are joined first.
    """
    if fmt not in STREAMED_FORMATS:
        chunks = list(frames)
        whole = gpd.GeoDataFrame(pd.concat(chunks, ignore_index=True), crs=STORAGE_CRS) if chunks else None
        return export_frame(whole, fmt, layer_name, style=style, title=title, encoding=encoding,
                            geometry_type=geometry_type)
    iterator = iter(frames)
    first = next(iterator)
    result = export_frame(first, fmt, layer_name, style=style, title=title, encoding=encoding,
                          geometry_type=geometry_type)
    try:
        stem = result.path.name.split(".")[0]
        declared = resolve_geometry_type(prepare_frame(first), geometry_type)
        for chunk in iterator:
            frame = prepare_frame(chunk)
            if fmt == "csv":
                write_csv(frame, result.path.parent, stem, append=True)
            else:
                write_ogr(frame, result.path, driver="GPKG", layer=stem, append=True,
                          **ogr_write_options(frame, declared))
    except BaseException:
        result.cleanup()
        raise
    return result
