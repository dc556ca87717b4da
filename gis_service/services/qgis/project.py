"""A QGIS 3.22 project (``.qgs``) that loads every collection from this service over OGC API – Features.

Each layer uses the ``OAPIF`` provider with the service's landing page as
``url`` and carries its house style (the same renderer as the GeoPackage
download's ``layer_styles``). Layers sit in Chinese groups; within a group
points are drawn above lines above polygons so nothing is hidden.
"""
from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET

from pyproj import CRS, Transformer

from gis_service.services.exports.qml import (
    QGIS_VERSION, QML_DOCTYPE, renderer_element, symbol_family,
)

# Display CRS. Not EPSG:4490: QGIS draws a geographic CRS as plate carrée, which at
# 35.5°N stretches 城区 ~23% east-west; Web Mercator keeps shapes and matches the
# Tianditu "w" tiles an analyst adds as a basemap. Measurements stay correct: the
# project measures on the CGCS2000 ellipsoid, and CGCS2000 vs WGS 84 is < 1 m here.
PROJECT_CRS = "EPSG:3857"
MEASURE_ELLIPSOID = "EPSG:1024"  # CGCS2000
# QGIS 3.22's OAPIF provider has no Part 2 CRS support: it always receives CRS84.
LAYER_CRS = "EPSG:4326"
# QGIS's own srs.db ids; with them QGIS resolves the CRS by authid first.
QGIS_SRSID = {"EPSG:3857": "3857", "EPSG:4326": "3452"}
CHENGQU_EXTENT = (112.74, 35.42, 112.95, 35.58)  # lon/lat, the district with a margin
DEFAULT_TITLE = "晋城市城区规划数据"
LAYER_GEOMETRY = {"marker": "Point", "line": "Line", "fill": "Polygon"}
DRAW_ORDER = {"marker": 0, "line": 1, "fill": 2}  # first in the tree is drawn on top
LABEL_FONT = "Noto Sans CJK SC"
LABEL_PLACEMENT = {"marker": "0", "line": "2", "fill": "0"}  # around point, along line, around centroid


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def spatialrefsys(authid: str) -> ET.Element:
    crs = CRS.from_user_input(authid)
    element = ET.Element("spatialrefsys")
    _text(element, "wkt", crs.to_wkt())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PROJ strings are lossy; QGIS uses authid first
        _text(element, "proj4", crs.to_proj4())
    _text(element, "srsid", QGIS_SRSID.get(authid, "0"))
    _text(element, "srid", authid.split(":")[1])
    _text(element, "authid", authid)
    _text(element, "description", crs.name)
    _text(element, "projectionacronym", "merc" if crs.is_projected else "longlat")
    _text(element, "ellipsoidacronym", "EPSG:7030")
    _text(element, "geographicflag", "true" if crs.is_geographic else "false")
    return element


def _uri_value(value: str) -> str:
    # QgsDataSourceUri quoting: backslash-escape backslashes and single quotes.
    return str(value).replace("\\", "\\\\").replace("'", "\\'")


def oapif_datasource(base_url: str, collection_id: str) -> str:
    """The datasource string QGIS 3.22 writes for an OAPIF layer (keys in its alphabetical order)."""
    params = {"pagingEnabled": "true", "preferCoordinatesForWfsT11": "false",
              "restrictToRequestBBOX": "1", "typename": collection_id, "url": base_url}
    return " ".join(f"{key}='{_uri_value(value)}'" for key, value in params.items())


def layer_id(collection: dict) -> str:
    return f"{collection['id']}_oapif"


def maplayer_element(base_url: str, collection: dict) -> ET.Element:
    geometry_type = collection.get("geometry_type") or "Point"
    family = symbol_family(geometry_type)
    layer = ET.Element("maplayer", {
        "type": "vector", "geometry": LAYER_GEOMETRY[family], "wkbType": geometry_type,
        "styleCategories": "AllStyleCategories", "hasScaleBasedVisibilityFlag": "0",
        "minScale": "100000000", "maxScale": "0", "readOnly": "0",
        "labelsEnabled": "1" if collection.get("label") else "0",
        "autoRefreshEnabled": "0", "autoRefreshTime": "0", "refreshOnNotifyEnabled": "0",
        "refreshOnNotifyMessage": "", "simplifyAlgorithm": "0", "simplifyLocal": "1",
        "simplifyDrawingHints": "0" if family == "marker" else "1",
        "simplifyDrawingTol": "1", "simplifyMaxScale": "1",
    })
    _text(layer, "id", layer_id(collection))
    _text(layer, "datasource", oapif_datasource(base_url, collection["id"]))
    _text(layer, "layername", collection.get("title") or collection["id"])
    ET.SubElement(layer, "srs").append(spatialrefsys(LAYER_CRS))
    _text(layer, "provider", "OAPIF").set("encoding", "")
    layer.append(renderer_element(collection.get("style"), geometry_type))
    if collection.get("label"):
        layer.append(labeling_element(collection["label"], family))
    _text(layer, "blendMode", "0")
    _text(layer, "featureBlendMode", "0")
    _text(layer, "layerOpacity", "1")
    return layer


def labeling_element(field: str, family: str) -> ET.Element:
    """Simple labels from ``field`` (the feature's name), in a CJK font with a white halo,
    shown from 1:50 000 in (a whole-district view would be unreadable)."""
    labeling = ET.Element("labeling", type="simple")
    settings = ET.SubElement(labeling, "settings", calloutType="simple")
    style = ET.SubElement(settings, "text-style", {
        "fieldName": field, "isExpression": "0", "fontFamily": LABEL_FONT, "namedStyle": "Regular",
        "fontSize": "9", "fontSizeUnit": "Point", "fontWeight": "50", "fontItalic": "0",
        "textColor": "33,33,33,255", "textOpacity": "1", "multilineHeight": "1", "blendMode": "0",
        "previewBkgrdColor": "255,255,255,255", "capitalization": "0"})
    ET.SubElement(style, "text-buffer", {
        "bufferDraw": "1", "bufferSize": "0.8", "bufferSizeUnits": "MM", "bufferColor": "255,255,255,255",
        "bufferOpacity": "1", "bufferNoFill": "1", "bufferJoinStyle": "128", "bufferBlendMode": "0"})
    ET.SubElement(settings, "text-format", {"wrapChar": "", "multilineAlign": "3", "autoWrapLength": "0"})
    ET.SubElement(settings, "placement", {
        "placement": LABEL_PLACEMENT[family], "dist": "1", "distUnits": "MM", "priority": "5",
        "centroidInside": "1", "fitInPolygonOnly": "0", "overrunDistance": "0"})
    ET.SubElement(settings, "rendering", {
        "scaleVisibility": "1", "scaleMin": "0", "scaleMax": "50000", "obstacle": "1",
        "displayAll": "0", "upsidedownLabels": "0", "labelPerPart": "0", "mergeLines": "1"})
    return labeling


def _tree_layer(base_url: str, collection: dict) -> ET.Element:
    element = ET.Element("layer-tree-layer", {
        "id": layer_id(collection), "name": collection.get("title") or collection["id"],
        "providerKey": "OAPIF", "source": oapif_datasource(base_url, collection["id"]),
        "checked": "Qt::Checked" if collection.get("visible", True) else "Qt::Unchecked",
        "expanded": "1", "legend_exp": ""})
    ET.SubElement(element, "customproperties")
    return element


def _draw_rank(collection: dict) -> int:
    return DRAW_ORDER[symbol_family(collection.get("geometry_type"))]


def layer_tree(base_url: str, collections: list[dict]) -> ET.Element:
    """One child group per ``group``, ungrouped layers at the root.

    Groups and root layers are ordered by what they draw (points on top of lines on
    top of polygons), then by first appearance; layers inside a group likewise.
    """
    root = ET.Element("layer-tree-group")
    ET.SubElement(root, "customproperties")
    entries: dict[str, tuple[int, int, ET.Element]] = {}  # key -> (rank, first seen, element)
    for seen, collection in enumerate(sorted(collections, key=_draw_rank)):
        rank, name = _draw_rank(collection), collection.get("group")
        if not name:
            entries[f"layer:{collection['id']}"] = (rank, seen, _tree_layer(base_url, collection))
            continue
        key = f"group:{name}"
        if key not in entries:
            group = ET.Element("layer-tree-group",
                               {"name": name, "checked": "Qt::Checked", "expanded": "1"})
            ET.SubElement(group, "customproperties")
            entries[key] = (rank, seen, group)
        entries[key][2].append(_tree_layer(base_url, collection))
    for _rank, _seen, element in sorted(entries.values(), key=lambda e: e[:2]):
        root.append(element)
    return root


def _map_canvas(extent: tuple[float, float, float, float]) -> ET.Element:
    to_display = Transformer.from_crs("EPSG:4326", PROJECT_CRS, always_xy=True)
    xmin, ymin = to_display.transform(extent[0], extent[1])
    xmax, ymax = to_display.transform(extent[2], extent[3])
    canvas = ET.Element("mapcanvas", name="theMapCanvas", annotationsVisible="1")
    _text(canvas, "units", "meters")
    box = ET.SubElement(canvas, "extent")
    for tag, value in (("xmin", xmin), ("ymin", ymin), ("xmax", xmax), ("ymax", ymax)):
        _text(box, tag, f"{value:.3f}")
    _text(canvas, "rotation", "0")
    ET.SubElement(canvas, "destinationsrs").append(spatialrefsys(PROJECT_CRS))
    _text(canvas, "rendermaptile", "0")
    return canvas


def build_qgis_project(base_url: str, collections: list[dict], *, title: str = DEFAULT_TITLE,
                       extent: tuple[float, float, float, float] = CHENGQU_EXTENT) -> str:
    """``.qgs`` XML adding each collection (``id``, ``title``, ``geometry_type``, ``style``,
    optional ``group``, ``label`` (a field) and ``visible`` (default true)) as an OAPIF layer
    of the service at ``base_url`` (its landing page).

    ``extent`` is the initial view as (min lon, min lat, max lon, max lat).
    """
    root = ET.Element("qgis", {"projectname": title, "version": QGIS_VERSION})
    ET.SubElement(root, "homePath", path="")
    _text(root, "title", title)
    ET.SubElement(root, "projectCrs").append(spatialrefsys(PROJECT_CRS))
    tree = layer_tree(base_url, collections)
    root.append(tree)
    root.append(_map_canvas(extent))
    project_layers = ET.SubElement(root, "projectlayers")
    for collection in collections:
        project_layers.append(maplayer_element(base_url, collection))
    order = ET.SubElement(root, "layerorder")
    for tree_layer in tree.iter("layer-tree-layer"):
        ET.SubElement(order, "layer", id=tree_layer.get("id"))
    properties = ET.SubElement(root, "properties")
    # Without ProjectionsEnabled QGIS ignores <projectCrs> and opens the project with no CRS.
    _text(ET.SubElement(properties, "SpatialRefSys"), "ProjectionsEnabled", "1").set("type", "int")
    measure = ET.SubElement(properties, "Measure")
    _text(measure, "Ellipsoid", MEASURE_ELLIPSOID).set("type", "QString")
    ET.indent(root, space="  ")
    return QML_DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"
