"""KML download for Google Earth and 奥维-style viewers: WGS 84 as KML requires, with colours.

GDAL's KML driver writes the features; its output is then given a document
name and one ``<Style>`` per style class, so the layer opens in its house
colours. Hatching has no KML equivalent and becomes a plain fill.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pyogrio

from gis_service.services.exports.base import datetimes_as_text, ogr_write_options
from gis_service.services.exports.qml import base_style, hex_to_rgb, symbol_family

KML_NS = "http://www.opengis.net/kml/2.2"
KML_CRS = "EPSG:4326"  # the KML 2.2 standard: coordinates are always WGS 84 lon, lat
NAME_COLUMNS = ("name", "name_zh", "title", "名称")
# Placemark children that KML 2.2 puts before <styleUrl>.
BEFORE_STYLE_URL = {"name", "visibility", "open", "address", "phoneNumber", "Snippet",
                    "description", "TimeStamp", "TimeSpan"}


def _q(tag: str) -> str:
    return f"{{{KML_NS}}}{tag}"


def kml_color(color: str | None, opacity: float = 1.0) -> str:
    r, g, b = hex_to_rgb(color)
    alpha = round(255 * min(max(float(opacity), 0.0), 1.0))
    return f"{alpha:02x}{b:02x}{g:02x}{r:02x}"  # KML is aabbggrr


def style_element(style_id: str, style: dict, family: str) -> ET.Element:
    element = ET.Element(_q("Style"), id=style_id)
    if family == "marker":
        icon = ET.SubElement(element, _q("IconStyle"))
        fill = style.get("fill_color") or style.get("color")
        ET.SubElement(icon, _q("color")).text = kml_color(fill, style.get("fill_opacity", 0.9) or 1.0)
        ET.SubElement(icon, _q("scale")).text = "0.8"
        return element
    line = ET.SubElement(element, _q("LineStyle"))
    ET.SubElement(line, _q("color")).text = kml_color(style.get("color"), style.get("opacity", 1.0))
    ET.SubElement(line, _q("width")).text = str(style.get("weight", 2))
    if family == "fill":
        opacity = float(style.get("fill_opacity") or 0.0)
        poly = ET.SubElement(element, _q("PolyStyle"))
        ET.SubElement(poly, _q("color")).text = kml_color(
            style.get("fill_color") or style.get("color"), opacity)
        ET.SubElement(poly, _q("fill")).text = "1" if opacity > 0 or style.get("hatch") else "0"
        ET.SubElement(poly, _q("outline")).text = "1"
    return element


def _style_ids(frame: gpd.GeoDataFrame, style: dict) -> tuple[dict[str, dict], list[str]]:
    """Styles by id, and each row's style id (a class's, or the layer's base)."""
    base = base_style(style)
    styles = {"style-default": base}
    classes = style.get("classes") or {}
    attribute = style.get("style_by")
    if not (attribute and classes and attribute in frame.columns):
        return styles, ["style-default"] * len(frame)
    by_value = {}
    for index, (value, class_style) in enumerate(classes.items()):
        style_id = f"style-{index}"
        styles[style_id] = {**base, **{k: v for k, v in (class_style or {}).items() if k != "label"}}
        by_value[str(value)] = style_id
    row_ids = [by_value.get(str(v), "style-default") for v in frame[attribute]]
    return styles, row_ids


def add_styles(path: Path, frame: gpd.GeoDataFrame, style: dict | None, family: str,
               title: str) -> None:
    ET.register_namespace("", KML_NS)
    tree = ET.parse(path)
    document = tree.getroot().find(_q("Document"))
    if document is None:
        return
    name = ET.Element(_q("name"))
    name.text = title
    document.insert(0, name)
    placemarks = list(document.iter(_q("Placemark")))
    if style and len(placemarks) == len(frame):  # rows are written in order, one Placemark each
        styles, row_ids = _style_ids(frame, style)
        for offset, (style_id, values) in enumerate(styles.items(), start=1):
            document.insert(offset, style_element(style_id, values, family))
        for placemark, style_id in zip(placemarks, row_ids):
            position = sum(1 for child in placemark
                           if child.tag.rpartition("}")[2] in BEFORE_STYLE_URL)
            url = ET.Element(_q("styleUrl"))
            url.text = f"#{style_id}"
            placemark.insert(position, url)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def write_kml(frame: gpd.GeoDataFrame, directory: Path, stem: str, *,
              geometry_type: str | None, style: dict | None, title: str | None) -> Path:
    path = directory / f"{stem}.kml"
    wgs84 = datetimes_as_text(frame).to_crs(KML_CRS)
    name_column = next((c for c in NAME_COLUMNS if c in wgs84.columns), None)
    options = {"NameField": name_column} if name_column else {}
    pyogrio.write_dataframe(wgs84, path, driver="KML", layer=stem, dataset_options=options,
                            **ogr_write_options(wgs84, geometry_type))
    add_styles(path, wgs84, style, symbol_family(geometry_type), title or stem)
    return path
