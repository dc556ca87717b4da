"""QGIS 3.22 symbology built from the manifest's house styles.

A style dict has ``color`` (stroke), ``fill_color``, ``fill_opacity``, ``weight``
(CSS px), ``dash_array`` ("8 4", CSS px), ``hatch``, optional ``opacity`` (stroke)
and ``radius`` (points, CSS px); ``style_by`` + ``classes`` give a categorized
renderer. The same ``renderer-v2`` element goes into a GeoPackage's
``layer_styles`` QML and into a ``.qgs`` project layer.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from gis_service.vocab import class_label

QGIS_VERSION = "3.22.0"
QML_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
PX_TO_MM = 25.4 / 96  # manifest sizes are CSS pixels (96 dpi); QGIS sizes here are millimetres
NO_SCALE = "3x:0,0,0,0,0,0"
FALLBACK_COLOR = "#616161"
OTHER_VALUES_LABEL = "其他"

SYMBOL_FAMILY = {
    "Point": "marker", "MultiPoint": "marker",
    "LineString": "line", "MultiLineString": "line",
    "Polygon": "fill", "MultiPolygon": "fill",
}
LAYER_GEOMETRY_TYPE = {"marker": "0", "line": "1", "fill": "2"}


def symbol_family(geometry_type: str | None) -> str:
    return SYMBOL_FAMILY.get(geometry_type or "", "marker")


def hex_to_rgb(color: str | None) -> tuple[int, int, int]:
    text = (color or FALLBACK_COLOR).strip().lstrip("#")
    if len(text) in (3, 4):
        text = "".join(c * 2 for c in text[:3])
    if not re.fullmatch(r"[0-9A-Fa-f]{6}([0-9A-Fa-f]{2})?", text):
        text = FALLBACK_COLOR.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def qgis_color(color: str | None, opacity: float = 1.0) -> str:
    r, g, b = hex_to_rgb(color)
    alpha = round(255 * min(max(float(opacity), 0.0), 1.0))
    return f"{r},{g},{b},{alpha}"


def millimetres(px) -> str:
    return f"{float(px) * PX_TO_MM:.3g}"


def dash_pattern(dash_array) -> str | None:
    """SVG/Leaflet "8 4" (px) -> QGIS "2.12;1.06" (mm); None for solid lines."""
    parts = [p for p in re.split(r"[\s,]+", str(dash_array or "").strip()) if p]
    try:
        lengths = [float(p) for p in parts]
    except ValueError:
        return None
    if not lengths or not any(lengths):
        return None
    if len(lengths) % 2:
        lengths *= 2  # SVG repeats an odd list to make it even
    return ";".join(millimetres(v) for v in lengths)


def _line_props(style: dict) -> dict[str, str]:
    dash = dash_pattern(style.get("dash_array"))
    return {
        "align_dash_pattern": "0", "capstyle": "square",
        "customdash": dash or "5;2", "customdash_map_unit_scale": NO_SCALE, "customdash_unit": "MM",
        "dash_pattern_offset": "0", "dash_pattern_offset_map_unit_scale": NO_SCALE,
        "dash_pattern_offset_unit": "MM", "draw_inside_polygon": "0", "joinstyle": "bevel",
        "line_color": qgis_color(style.get("color"), style.get("opacity", 1.0)),
        "line_style": "solid", "line_width": millimetres(style.get("weight", 2)),
        "line_width_unit": "MM", "offset": "0", "offset_map_unit_scale": NO_SCALE,
        "offset_unit": "MM", "ring_filter": "0", "tweak_dash_pattern_on_corners": "0",
        "use_custom_dash": "1" if dash else "0", "width_map_unit_scale": NO_SCALE,
    }


def _fill_props(style: dict, outlined: bool) -> dict[str, str]:
    opacity = float(style.get("fill_opacity") or 0.0)
    if style.get("hatch"):
        brush = "b_diagonal"  # Qt::BDiagPattern
    else:
        brush = "solid" if opacity > 0 else "no"
    return {
        "border_width_map_unit_scale": NO_SCALE,
        "color": qgis_color(style.get("fill_color") or style.get("color"), opacity),
        "joinstyle": "bevel", "offset": "0,0", "offset_map_unit_scale": NO_SCALE,
        "offset_unit": "MM",
        "outline_color": qgis_color(style.get("color"), style.get("opacity", 1.0)),
        "outline_style": "solid" if outlined else "no",
        "outline_width": millimetres(style.get("weight", 2)), "outline_width_unit": "MM",
        "style": brush,
    }


def _marker_props(style: dict) -> dict[str, str]:
    return {
        "angle": "0", "cap_style": "square",
        "color": qgis_color(style.get("fill_color") or style.get("color"),
                            style.get("fill_opacity", 0.9)),
        "horizontal_anchor_point": "1", "joinstyle": "bevel", "name": "circle",
        "offset": "0,0", "offset_map_unit_scale": NO_SCALE, "offset_unit": "MM",
        "outline_color": qgis_color(style.get("color"), style.get("opacity", 1.0)),
        "outline_style": "solid", "outline_width": millimetres(style.get("weight", 1)),
        "outline_width_map_unit_scale": NO_SCALE, "outline_width_unit": "MM",
        "scale_method": "diameter", "size": millimetres(2 * float(style.get("radius", 6))),
        "size_map_unit_scale": NO_SCALE, "size_unit": "MM", "vertical_anchor_point": "1",
    }


def symbol_layers(style: dict, family: str) -> list[tuple[str, dict[str, str]]]:
    """(QGIS symbol layer class, properties) pairs, bottom layer first."""
    if family == "marker":
        return [("SimpleMarker", _marker_props(style))]
    if family == "line":
        return [("SimpleLine", _line_props(style))]
    if dash_pattern(style.get("dash_array")):
        # SimpleFill outlines know only solid/dash/dot; an exact dash needs a line layer on top.
        return [("SimpleFill", _fill_props(style, outlined=False)),
                ("SimpleLine", _line_props(style))]
    return [("SimpleFill", _fill_props(style, outlined=True))]


def _data_defined_properties() -> ET.Element:
    element = ET.Element("data_defined_properties")
    options = ET.SubElement(element, "Option", type="Map")
    ET.SubElement(options, "Option", type="QString", name="name", value="")
    ET.SubElement(options, "Option", name="properties")
    ET.SubElement(options, "Option", type="QString", name="type", value="collection")
    return element


def symbol_element(style: dict, family: str, name: str) -> ET.Element:
    symbol = ET.Element("symbol", {"type": family, "name": name, "alpha": "1",
                                   "clip_to_extent": "1", "force_rhr": "0"})
    symbol.append(_data_defined_properties())
    for layer_class, props in symbol_layers(style, family):
        layer = ET.SubElement(symbol, "layer",
                              {"class": layer_class, "enabled": "1", "locked": "0", "pass": "0"})
        # 3.22 writes both the Option map and the legacy <prop> list; so do we.
        options = ET.SubElement(layer, "Option", type="Map")
        for key, value in props.items():
            ET.SubElement(options, "Option", type="QString", name=key, value=value)
        for key, value in props.items():
            ET.SubElement(layer, "prop", k=key, v=value)
        layer.append(_data_defined_properties())
    return symbol


def base_style(style: dict | None) -> dict:
    return {k: v for k, v in (style or {}).items() if k not in ("style_by", "classes")}


def renderer_element(style: dict | None, geometry_type: str | None) -> ET.Element:
    """A ``renderer-v2`` element: categorized when ``style_by``/``classes`` are set."""
    family = symbol_family(geometry_type)
    base = base_style(style)
    classes = (style or {}).get("classes") or {}
    attribute = (style or {}).get("style_by")
    common = {"forceraster": "0", "symbollevels": "0", "enableorderby": "0",
              "referencescale": "-1"}
    if not (attribute and classes):
        renderer = ET.Element("renderer-v2", {"type": "singleSymbol", **common})
        ET.SubElement(renderer, "symbols").append(symbol_element(base, family, "0"))
    else:
        renderer = ET.Element("renderer-v2",
                              {"type": "categorizedSymbol", "attr": str(attribute), **common})
        categories = ET.SubElement(renderer, "categories")
        symbols = ET.SubElement(renderer, "symbols")
        for index, (value, class_style) in enumerate(classes.items()):
            class_style = dict(class_style or {})
            label = str(class_style.pop("label", None) or class_label(attribute, str(value)))
            ET.SubElement(categories, "category", symbol=str(index), value=str(value),
                          label=label, render="true")
            symbols.append(symbol_element({**base, **class_style}, family, str(index)))
        # QGIS draws unlisted values and NULL with the category whose value is "".
        other = str(len(classes))
        ET.SubElement(categories, "category", symbol=other, value="",
                      label=OTHER_VALUES_LABEL, render="true")
        symbols.append(symbol_element(base, family, other))
        ET.SubElement(renderer, "source-symbol").append(symbol_element(base, family, "0"))
    ET.SubElement(renderer, "rotation")
    ET.SubElement(renderer, "sizescale")
    return renderer


def build_qml(style: dict | None, geometry_type: str | None) -> str:
    """A QGIS 3.22 ``.qml`` document holding only symbology."""
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology")
    root.append(renderer_element(style, geometry_type))
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    # QGIS refuses a style whose geometry type differs from the layer's, so state it.
    ET.SubElement(root, "layerGeometryType").text = LAYER_GEOMETRY_TYPE[symbol_family(geometry_type)]
    ET.indent(root, space="  ")
    return QML_DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"
