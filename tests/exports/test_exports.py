"""Downloads round-trip through GDAL (pyogrio) with Chinese text, nulls and CRS intact."""
from __future__ import annotations

import csv
import io
import sqlite3
import xml.etree.ElementTree as ET
import zipfile
from contextlib import closing

import geopandas as gpd
import pyogrio
import pytest
import shapely

from gis_service.errors import InvalidInput
from gis_service.services.exports import EXPORT_FORMATS, export_frame, neutralise_formula
from tests.exports.conftest import ZONE_STYLE

TOLERANCE = 1e-7  # degrees, ~1 cm
KML_NS = {"k": "http://www.opengis.net/kml/2.2"}


def read_back(result, **kwargs) -> gpd.GeoDataFrame:
    path = result.path
    if path.suffix == ".gpkg":
        kwargs.setdefault("layer", path.stem)
    return pyogrio.read_dataframe(path, **kwargs)


def comparable(geometry):
    """2D, Multi*, normalised: drivers may promote to multi or reverse ring order."""
    geometry = shapely.force_2d(geometry)
    if geometry.geom_type == "Polygon":
        geometry = shapely.MultiPolygon([geometry])
    elif geometry.geom_type == "LineString":
        geometry = shapely.MultiLineString([geometry])
    return shapely.normalize(geometry)


def assert_same_geometries(original: gpd.GeoSeries, read: gpd.GeoSeries) -> None:
    assert len(original) == len(read)
    for before, after in zip(original, read):
        if before is None:
            assert after is None or after.is_empty
            continue
        assert comparable(before).equals_exact(comparable(after), TOLERANCE), (before, after)


def test_format_table_names_media_types_and_extensions():
    assert EXPORT_FORMATS == {
        "csv": ("text/csv; charset=utf-8", "csv"),
        "gpkg": ("application/geopackage+sqlite3", "gpkg"),
        "shp": ("application/zip", "shp.zip"),
        "kml": ("application/vnd.google-earth.kml+xml", "kml"),
        "fgb": ("application/flatgeobuf", "fgb"),
        "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    }


@pytest.mark.parametrize("fmt, epsg", [("gpkg", 4490), ("fgb", 4490), ("shp", 4490),
                                       ("kml", 4326)])
def test_points_round_trip_with_null_geometry(export, projects, fmt, epsg):
    result = export(projects, fmt, "projects", style={"color": "#F4511E"}, title="重点项目")
    assert result.filename == f"projects.{EXPORT_FORMATS[fmt][1]}"
    assert result.media_type == EXPORT_FORMATS[fmt][0]
    assert result.crs == f"EPSG:{epsg}"
    read = read_back(result)
    assert len(read) == len(projects)
    name_column = "Name" if fmt == "kml" else "name"  # GDAL reads KML <name> as "Name"
    assert list(read[name_column]) == list(projects["name"])
    assert list(read["note"]) == list(projects["note"])
    assert read.crs.to_epsg() == epsg
    assert_same_geometries(projects.geometry, read.geometry)


@pytest.mark.parametrize("fmt", ["gpkg", "fgb", "shp", "kml", "csv"])
def test_polygons_and_lines_round_trip(export, zones, corridors, fmt):
    for frame, layer in ((zones, "function_zones"), (corridors, "green_corridors")):
        result = export(frame, fmt, layer, style=ZONE_STYLE if layer == "function_zones" else None)
        read = read_back(result)
        if fmt == "fgb":  # an indexed FlatGeobuf stores features in Hilbert-curve order
            read = read.set_index("id").loc[frame["id"]].reset_index()
        assert len(read) == len(frame)
        assert list(read["Name" if fmt == "kml" else "name"]) == list(frame["name"])
        assert_same_geometries(frame.geometry, read.geometry)
        if fmt in ("gpkg", "fgb"):
            info = pyogrio.read_info(result.path, layer=layer if fmt == "gpkg" else None)
            assert info["geometry_type"] in ("MultiPolygon", "MultiLineString")


def test_json_columns_are_serialised_as_json_text(export, projects):
    read = read_back(export(projects, "gpkg", "projects"))
    assert read["properties"][0] == '{"专栏": 6, "tags": ["绿道"]}'
    assert read["properties"][2] == "[1, 2]"


def test_a_layer_without_any_geometry_exports_in_every_format(export, projects):
    empty = projects.set_geometry([None] * len(projects), crs="EPSG:4490")
    for fmt in EXPORT_FORMATS:
        result = export(empty, fmt, "projects", geometry_type="Point", style={"color": "#000"})
        assert len(read_back(result)) == len(empty), fmt


def test_filenames_are_ascii_and_cleanup_removes_the_file(projects):
    result = export_frame(projects, "gpkg", "重点项目 (2016)")
    assert result.filename == "2016.gpkg"
    with export_frame(projects, "csv", "重点项目") as unnamed:
        assert unnamed.filename == "layer.csv"
    assert result.path.exists()
    result.cleanup()
    assert not result.path.exists() and not result.path.parent.exists()


def test_unknown_format_is_a_400_naming_the_parameter(projects):
    with pytest.raises(InvalidInput) as error:
        export_frame(projects, "xls", "projects")
    assert error.value.status == 400 and error.value.detail["parameter"] == "f"


def test_xlsx_keeps_numbers_and_never_writes_a_formula(projects):
    import openpyxl

    with export_frame(projects, "xlsx", "projects", title="重点项目") as result:
        book = openpyxl.load_workbook(result.path)
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]
    assert header[-1] == "wkt" and [r["id"] for r in body] == list(projects["id"])
    assert [r["percent_complete"] for r in body] == [12.5, -3.25, 0.0, None]
    assert body[2]["name"] == "'=HYPERLINK(\"http://x\")" and body[3]["note"] == "'@SUM(A1)"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert body[1]["wkt"] in (None, "") and body[0]["wkt"] == "POINT (112.851234568 35.498765432)"
    assert book.properties.title == "重点项目"


# --- GeoPackage style ---------------------------------------------------------------------

def test_geopackage_has_default_qgis_style_with_categories(export, zones):
    result = export(zones, "gpkg", "function_zones", style=ZONE_STYLE, title="主体功能区")
    with closing(sqlite3.connect(result.path)) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(layer_styles)")]
        rows = db.execute("SELECT f_table_catalog, f_table_schema, f_table_name, "
                          "f_geometry_column, styleName, styleQML, useAsDefault, update_time "
                          "FROM layer_styles").fetchall()
        contents = dict(db.execute("SELECT table_name, data_type FROM gpkg_contents"))
        identifier = db.execute("SELECT identifier FROM gpkg_contents WHERE table_name = ?",
                                ("function_zones",)).fetchone()[0]
        user_version = db.execute("PRAGMA user_version").fetchone()[0]
    assert columns == ["id", "f_table_catalog", "f_table_schema", "f_table_name",
                       "f_geometry_column", "styleName", "styleQML", "styleSLD", "useAsDefault",
                       "description", "owner", "ui", "update_time"]
    assert contents == {"function_zones": "features", "layer_styles": "attributes"}
    assert identifier == "主体功能区"
    assert user_version == 10200  # GeoPackage 1.2: Debian 12's GDAL 3.6 reads it without warning
    (catalog, schema, table, geometry_column, style_name, qml, default, updated), = rows
    # QGIS selects on f_table_schema = '' and the real geometry column name.
    assert (catalog, schema, table, geometry_column, default) == ("", "", "function_zones", "geom", 1)
    assert style_name == "function_zones" and updated
    assert qml.startswith("<!DOCTYPE qgis")
    root = ET.fromstring(qml)
    assert root.tag == "qgis" and root.get("version") == "3.22.0"
    assert root.get("styleCategories") == "Symbology"
    assert root.findtext("layerGeometryType") == "2"
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "zone_class"
    categories = renderer.findall("categories/category")
    assert [c.get("value") for c in categories] == [*ZONE_STYLE["classes"], ""]
    assert categories[0].get("label") == "优化开发区"
    symbols = {s.get("name"): s for s in renderer.findall("symbols/symbol")}
    assert set(symbols) == {c.get("symbol") for c in categories}
    prohibited = symbols[categories[3].get("symbol")].find("layer")
    assert prohibited.get("class") == "SimpleFill"
    assert prohibited.find("Option/Option[@name='style']").get("value") == "b_diagonal"
    assert prohibited.find("prop[@k='color']").get("v") == "27,94,32,128"
    assert renderer.find("source-symbol/symbol") is not None
    # GDAL sees layer_styles as a plain attributes table next to the features.
    assert [name for name, _ in pyogrio.list_layers(result.path)] == ["function_zones", "layer_styles"]


def test_geopackage_style_geometry_families(export, projects, corridors):
    points = export(projects, "gpkg", "projects", style={"color": "#F4511E", "fill_opacity": 0.9})
    lines = export(corridors, "gpkg", "green_corridors",
                   style={"color": "#2E7D32", "weight": 3, "dash_array": "10 6"})
    for result, layer_class, geometry_type in ((points, "SimpleMarker", "0"),
                                               (lines, "SimpleLine", "1")):
        with closing(sqlite3.connect(result.path)) as db:
            qml = db.execute("SELECT styleQML FROM layer_styles WHERE useAsDefault = 1").fetchone()[0]
        root = ET.fromstring(qml)
        assert root.find("renderer-v2").get("type") == "singleSymbol"
        assert root.find("renderer-v2/symbols/symbol/layer").get("class") == layer_class
        assert root.findtext("layerGeometryType") == geometry_type
    with closing(sqlite3.connect(lines.path)) as db:
        qml = db.execute("SELECT styleQML FROM layer_styles").fetchone()[0]
    line = ET.fromstring(qml).find("renderer-v2/symbols/symbol/layer")
    assert line.find("prop[@k='use_custom_dash']").get("v") == "1"
    assert line.find("prop[@k='customdash']").get("v") == "2.65;1.59"  # px -> mm at 96 dpi


# --- Shapefile --------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, codec", [("GBK", "gbk"), ("UTF-8", "utf-8")])
def test_shapefile_zip_carries_cpg_fields_csv_and_encoded_text(export, projects, encoding, codec):
    frame = projects.assign(规划项目名称说明=projects["name"])
    result = export(frame, "shp", "projects", encoding=encoding)
    with zipfile.ZipFile(result.path) as zf:
        names = set(zf.namelist())
        assert {"projects.shp", "projects.shx", "projects.dbf", "projects.prj", "projects.cpg",
                "fields.csv"} <= names
        assert zf.read("projects.cpg").decode("ascii") == encoding
        assert "白马寺山森林公园".encode(codec) in zf.read("projects.dbf")
        mapping = dict(csv.reader(io.StringIO(zf.read("fields.csv").decode("utf-8-sig"))))
    assert mapping.pop("original_name") == "shapefile_name"
    long_name = "规划项目名" if encoding == "GBK" else "规划项"
    assert mapping["规划项目名称说明"] == long_name
    assert mapping["geometry_quality"] == "geometry_q" and mapping["percent_complete"] == "percent_co"
    read = pyogrio.read_dataframe(result.path, encoding=encoding)
    assert list(read[long_name]) == list(projects["name"])
    assert list(read["name"]) == list(projects["name"])
    assert list(read["updated_at"]) == ["2026-01-02T03:04:05+00:00"] * 4  # time kept as text
    assert read.crs.to_epsg() == 4490


def test_gbk_shapefile_survives_characters_gbk_cannot_hold(export, projects):
    frame = projects.assign(note=["𠀀 ext-B", "😀", "ok", "好"])
    read = pyogrio.read_dataframe(export(frame, "shp", "projects", encoding="GBK").path,
                                  encoding="GBK")
    assert list(read["note"]) == ["? ext-B", "?", "ok", "好"]


def test_shapefile_rejects_other_encodings(projects):
    with pytest.raises(InvalidInput) as error:
        export_frame(projects, "shp", "projects", encoding="latin-1")
    assert error.value.detail["parameter"] == "encoding"


# --- CSV -------------------------------------------------------------------------------------

def test_csv_is_bom_utf8_with_wkt_and_neutralised_formulas(export, projects):
    result = export(projects, "csv", "projects")
    raw = result.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert list(rows[0])[-1] == "wkt"
    assert [r["name"] for r in rows] == ["白马寺山森林公园", "城区物流园",
                                         "'=HYPERLINK(\"http://x\")", "'+1 测试"]
    assert [r["note"] for r in rows] == ["示意位置", "无位置", "'-5", "'@SUM(A1)"]
    assert [r["percent_complete"] for r in rows] == ["12.5", "-3.25", "0.0", ""]  # numbers untouched
    assert rows[1]["wkt"] == ""
    assert rows[0]["properties"] == '{"专栏": 6, "tags": ["绿道"]}'
    point = shapely.from_wkt(rows[0]["wkt"])
    assert abs(point.x - projects.geometry[0].x) < TOLERANCE
    assert abs(point.y - projects.geometry[0].y) < TOLERANCE
    read = pyogrio.read_dataframe(result.path)  # GDAL takes "wkt" as the geometry column
    assert len(read) == 4 and read.geometry[1] is None


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+86 356", "'+86 356"), ("-x", "'-x"), ("@A1", "'@A1"),
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), ("晋城", "晋城"), ("a=b", "a=b"), ("", ""),
    (-5, -5), (-2.5, -2.5), (None, None), (True, True),
])
def test_neutralise_formula(value, expected):
    assert neutralise_formula(value) == expected


# --- KML ---------------------------------------------------------------------------------------

def test_kml_carries_title_and_class_styles(export, zones):
    result = export(zones, "kml", "function_zones", style=ZONE_STYLE, title="主体功能区")
    document = ET.parse(result.path).getroot().find("k:Document", KML_NS)
    assert document.findtext("k:name", namespaces=KML_NS) == "主体功能区"
    styles = {s.get("id"): s for s in document.findall("k:Style", KML_NS)}
    urls = [p.findtext("k:styleUrl", namespaces=KML_NS)
            for p in document.iter("{http://www.opengis.net/kml/2.2}Placemark")]
    assert urls == ["#style-0", "#style-3", "#style-default"]  # optimized, prohibited, unclassed
    assert styles["style-0"].findtext("k:PolyStyle/k:color", namespaces=KML_NS) == "593539e5"
