"""The .qgs project: one OAPIF layer per collection, Chinese groups, styles embedded."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from gis_service.services.exports import build_qml
from gis_service.services.qgis.project import build_qgis_project, oapif_datasource
from tests.exports.conftest import ZONE_STYLE

BASE_URL = "http://127.0.0.1:8080/"
COLLECTIONS = [
    {"id": "admin_units", "title": "行政区划", "geometry_type": "MultiPolygon",
     "style": {"color": "#37474F", "fill_opacity": 0.0, "weight": 2}, "group": "行政与片区"},
    {"id": "function_zones", "title": "主体功能区", "geometry_type": "MultiPolygon",
     "style": ZONE_STYLE, "group": "规划分区"},
    {"id": "green_corridors", "title": "绿道与河流", "geometry_type": "MultiLineString",
     "style": {"color": "#2E7D32", "weight": 3, "dash_array": "10 6"}, "group": "生态"},
    {"id": "ecology_sites", "title": "生态工程与水库", "geometry_type": "MultiPolygon",
     "style": {"color": "#388E3C", "fill_opacity": 0.3}, "group": "生态"},
    {"id": "projects", "title": "重点项目", "geometry_type": "Point",
     "style": {"color": "#F4511E", "fill_opacity": 0.9, "weight": 1}},
]


def canonical(element: ET.Element) -> str:
    return ET.canonicalize(ET.tostring(element, encoding="unicode"), strip_text=True)


def project() -> ET.Element:
    text = build_qgis_project(BASE_URL, COLLECTIONS)
    assert text.startswith("<!DOCTYPE qgis")
    return ET.fromstring(text)


def test_one_oapif_layer_per_collection():
    layers = project().findall("projectlayers/maplayer")
    assert [layer.findtext("id") for layer in layers] == [f"{c['id']}_oapif" for c in COLLECTIONS]
    for layer, collection in zip(layers, COLLECTIONS):
        assert layer.get("type") == "vector"
        assert layer.findtext("provider") == "OAPIF"
        assert layer.findtext("layername") == collection["title"]
        assert layer.findtext("datasource") == (
            "pagingEnabled='true' preferCoordinatesForWfsT11='false' restrictToRequestBBOX='1' "
            f"typename='{collection['id']}' url='{BASE_URL}'")
        assert layer.findtext("srs/spatialrefsys/authid") == "EPSG:4326"
    geometry = {layer.findtext("id"): layer.get("geometry") for layer in layers}
    assert geometry == {"admin_units_oapif": "Polygon", "function_zones_oapif": "Polygon",
                        "green_corridors_oapif": "Line", "ecology_sites_oapif": "Polygon",
                        "projects_oapif": "Point"}


def test_styles_are_the_geopackage_renderers():
    layers = {layer.findtext("id"): layer for layer in project().findall("projectlayers/maplayer")}
    zones = layers["function_zones_oapif"].find("renderer-v2")
    assert zones.get("type") == "categorizedSymbol" and zones.get("attr") == "zone_class"
    qml_renderer = ET.fromstring(build_qml(ZONE_STYLE, "MultiPolygon")).find("renderer-v2")
    assert canonical(zones) == canonical(qml_renderer)
    line = layers["green_corridors_oapif"].find("renderer-v2/symbols/symbol")
    assert line.get("type") == "line" and line.find("layer").get("class") == "SimpleLine"
    marker = layers["projects_oapif"].find("renderer-v2/symbols/symbol/layer")
    assert marker.get("class") == "SimpleMarker"


def test_layer_tree_groups_in_chinese_with_points_on_top():
    tree = project().find("layer-tree-group")
    children = [(child.tag, child.get("name")) for child in tree if child.tag != "customproperties"]
    assert children == [("layer-tree-layer", "重点项目"), ("layer-tree-group", "生态"),
                        ("layer-tree-group", "行政与片区"), ("layer-tree-group", "规划分区")]
    ecology = tree.find("layer-tree-group[@name='生态']")
    assert [n.get("name") for n in ecology.findall("layer-tree-layer")] == ["绿道与河流", "生态工程与水库"]
    tree_ids = {n.get("id") for n in tree.iter("layer-tree-layer")}
    assert tree_ids == {f"{c['id']}_oapif" for c in COLLECTIONS}
    assert all(n.get("providerKey") == "OAPIF" for n in tree.iter("layer-tree-layer"))


def test_project_crs_and_initial_view():
    root = project()
    assert root.get("version") == "3.22.0"
    assert root.findtext("projectCrs/spatialrefsys/authid") == "EPSG:3857"
    assert root.findtext("mapcanvas/destinationsrs/spatialrefsys/authid") == "EPSG:3857"
    xmin = float(root.findtext("mapcanvas/extent/xmin"))
    ymax = float(root.findtext("mapcanvas/extent/ymax"))
    assert 12_540_000 < xmin < 12_560_000 and 4_230_000 < ymax < 4_250_000  # around 城区
    assert root.findtext("properties/Measure/Ellipsoid") == "EPSG:1024"


def test_datasource_escapes_quotes():
    assert oapif_datasource("http://h/a'b", "x").endswith("url='http://h/a\\'b'")
