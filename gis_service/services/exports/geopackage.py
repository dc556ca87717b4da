"""GeoPackage download that opens styled in QGIS (style in ``layer_styles``, ``useAsDefault=1``)."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import geopandas as gpd

from gis_service.services.exports.typed import write_ogr
from gis_service.services.exports.base import ogr_write_options
from gis_service.services.exports.qml import build_qml

# The table exactly as QGIS creates it through OGR (QgsOgrProviderUtils::saveStyle).
CREATE_LAYER_STYLES = """
CREATE TABLE IF NOT EXISTS "layer_styles" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "f_table_catalog" TEXT(256),
    "f_table_schema" TEXT(256),
    "f_table_name" TEXT(256),
    "f_geometry_column" TEXT(256),
    "styleName" TEXT(30),
    "styleQML" TEXT,
    "styleSLD" TEXT,
    "useAsDefault" BOOLEAN,
    "description" TEXT,
    "owner" TEXT(30),
    "ui" TEXT(30),
    "update_time" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)
"""

# Registered as an attributes table, as GDAL does for QGIS, so readers list it without complaint.
REGISTER_LAYER_STYLES = """
INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, last_change)
VALUES ('layer_styles', 'attributes', 'layer_styles', '',
        strftime('%Y-%m-%dT%H:%M:%fZ','now'))
"""

INSERT_STYLE = """
INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,
                          styleName, styleQML, styleSLD, useAsDefault, description, owner, ui)
VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', NULL)
"""


def write_geopackage(frame: gpd.GeoDataFrame, directory: Path, stem: str, *,
                     geometry_type: str | None, style: dict | None, title: str | None) -> Path:
    path = directory / f"{stem}.gpkg"
    layer_options = {"IDENTIFIER": title or stem}
    # GeoPackage 1.2: GDAL 3.6 (Debian 12, under QGIS 3.22) warns on the 1.4 that newer GDAL writes.
    write_ogr(frame, path, driver="GPKG", layer=stem, layer_options=layer_options,
              dataset_options={"VERSION": "1.2"}, **ogr_write_options(frame, geometry_type))
    if style:
        add_default_style(path, stem, build_qml(style, geometry_type or _stored_type(path, stem)),
                          description=title or "")
    return path


def _stored_type(path: Path, table: str) -> str | None:
    with closing(sqlite3.connect(path)) as db:
        row = db.execute("SELECT geometry_type_name FROM gpkg_geometry_columns WHERE table_name = ?",
                         (table,)).fetchone()
    names = {"POINT": "Point", "MULTIPOINT": "MultiPoint", "LINESTRING": "LineString",
             "MULTILINESTRING": "MultiLineString", "POLYGON": "Polygon",
             "MULTIPOLYGON": "MultiPolygon"}
    return names.get(row[0].upper()) if row else None


def add_default_style(path: Path, table: str, qml: str, *, description: str = "") -> None:
    """Store ``qml`` as the table's default QGIS style (a GeoPackage ``layer_styles`` row)."""
    with closing(sqlite3.connect(path)) as db, db:
        # QGIS looks the style up by f_geometry_column, so use the name the driver chose.
        row = db.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?",
                         (table,)).fetchone()
        geometry_column = row[0] if row else "geom"
        db.execute(CREATE_LAYER_STYLES)
        db.execute(REGISTER_LAYER_STYLES)
        db.execute("UPDATE layer_styles SET useAsDefault = 0 WHERE f_table_name = ?", (table,))
        db.execute(INSERT_STYLE, (table, geometry_column, table, qml, description))
