"""SLD 1.1 (Symbology Encoding 1.1) from the style definitions, for QGIS and GeoServer users.

One ``NamedLayer`` per collection; one ``se:Rule`` per class (an ``ogc:PropertyIsEqualTo`` filter,
the class's Chinese label as title) and an ``se:ElseFilter`` rule for unlisted values. The hatched
class gets a second polygon symbolizer with a diagonal ``shape://slash`` graphic fill.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from gis_service.services.exports.qml import dash_pattern, symbol_family

SLD = "http://www.opengis.net/sld"
SE = "http://www.opengis.net/se"
OGC = "http://www.opengis.net/ogc"
XLINK = "http://www.w3.org/1999/xlink"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = "http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd"
SLD_MEDIA_TYPE = "application/vnd.ogc.sld+xml;version=1.1"
for _prefix, _uri in (("sld", SLD), ("se", SE), ("ogc", OGC), ("xlink", XLINK), ("xsi", XSI)):
    ET.register_namespace(_prefix, _uri)


def _se(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{SE}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _param(parent: ET.Element, name: str, value) -> None:
    _se(parent, "SvgParameter", str(value), name=name)


def _stroke(parent: ET.Element, s: dict) -> None:
    stroke = _se(parent, "Stroke")
    _param(stroke, "stroke", s.get("color"))
    _param(stroke, "stroke-width", f"{float(s.get('weight', 2)):g}")
    _param(stroke, "stroke-opacity", f"{float(s.get('opacity', 1)):g}")
    if dash_pattern(s.get("dash_array")):
        _param(stroke, "stroke-dasharray", " ".join(str(s["dash_array"]).replace(",", " ").split()))


def _fill(parent: ET.Element, colour, opacity) -> None:
    fill = _se(parent, "Fill")
    _param(fill, "fill", colour)
    _param(fill, "fill-opacity", f"{float(opacity or 0):g}")


def _symbolizers(rule: ET.Element, s: dict, family: str) -> None:
    if family == "marker":
        graphic = _se(_se(rule, "PointSymbolizer"), "Graphic")
        mark = _se(graphic, "Mark")
        _se(mark, "WellKnownName", "circle")
        _fill(mark, s.get("fill_color") or s.get("color"), s.get("fill_opacity", 0.9))
        _stroke(mark, s)
        _se(graphic, "Size", f"{2 * float(s.get('radius', 6)):g}")
        return
    if family == "line":
        _stroke(_se(rule, "LineSymbolizer"), s)
        return
    polygon = _se(rule, "PolygonSymbolizer")
    _fill(polygon, s.get("fill_color") or s.get("color"), s.get("fill_opacity"))
    _stroke(polygon, s)
    if s.get("hatch"):
        graphic = _se(_se(_se(rule, "PolygonSymbolizer"), "Fill"), "GraphicFill")
        graphic = _se(graphic, "Graphic")
        mark = _se(graphic, "Mark")
        _se(mark, "WellKnownName", "shape://slash")
        hatch = _se(mark, "Stroke")
        _param(hatch, "stroke", s.get("color"))
        _param(hatch, "stroke-width", "1")
        _se(graphic, "Size", "8")


def _label(rule: ET.Element, prop: str) -> None:
    text = _se(rule, "TextSymbolizer")
    label = _se(text, "Label")
    ET.SubElement(label, f"{{{OGC}}}PropertyName").text = prop
    font = _se(text, "Font")
    _param(font, "font-family", "Noto Sans CJK SC")
    _param(font, "font-size", "12")
    halo = _se(text, "Halo")
    _se(halo, "Radius", "1.5")
    _fill(halo, "#FFFFFF", 1)


def _rule(parent: ET.Element, name: str, title: str, s: dict, family: str, where: tuple | None) -> None:
    rule = _se(parent, "Rule")
    _se(rule, "Name", name)
    _se(_se(rule, "Description"), "Title", title)
    if where == ("else",):
        _se(rule, "ElseFilter")
    elif where:
        equal = ET.SubElement(ET.SubElement(rule, f"{{{OGC}}}Filter"), f"{{{OGC}}}PropertyIsEqualTo")
        ET.SubElement(equal, f"{{{OGC}}}PropertyName").text = where[0]
        ET.SubElement(equal, f"{{{OGC}}}Literal").text = where[1]
    _symbolizers(rule, s, family)


def named_layer(root: ET.Element, collection_id: str, title: str, geometry_type: str | None, style: dict) -> None:
    family = symbol_family(geometry_type)
    layer = ET.SubElement(root, f"{{{SLD}}}NamedLayer")
    _se(layer, "Name", collection_id)
    user = ET.SubElement(layer, f"{{{SLD}}}UserStyle")
    _se(user, "Name", f"{collection_id}-default")
    _se(_se(user, "Description"), "Title", title)
    fts = _se(user, "FeatureTypeStyle")
    attribute, classes = style.get("style_by"), style.get("classes") or {}
    base = {k: v for k, v in style.items() if k not in ("style_by", "classes")}
    if attribute and classes:
        for value, cls in classes.items():
            _rule(fts, str(value), str(cls.get("label") or value), {**base, **cls}, family, (attribute, str(value)))
        _rule(fts, "other", "其他", base, family, ("else",))
    else:
        _rule(fts, collection_id, title, base, family, None)
    if style.get("label_property"):
        labels = _se(user, "FeatureTypeStyle")
        rule = _se(labels, "Rule")
        _se(rule, "Name", "label")
        _label(rule, style["label_property"])


def build_sld(layers: list[tuple[str, str, str | None, dict]]) -> str:
    """An SLD 1.1 document for (collection id, title, geometry type, style definition) tuples."""
    root = ET.Element(f"{{{SLD}}}StyledLayerDescriptor", {"version": "1.1.0", f"{{{XSI}}}schemaLocation": SCHEMA})
    for collection_id, title, geometry_type, style in layers:
        named_layer(root, collection_id, title, geometry_type, style)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
