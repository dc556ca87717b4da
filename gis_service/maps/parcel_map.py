"""``/maps/parcel/{id}``: a checked parcel over the zone layers.

Built on the shared ``new_map`` (basemap choice, neutral offline background) and
the offline assets. The caller passes the report, the context rows and the styles
(``services.map_pages.parcel`` reads them from PostGIS and ``layer_meta``).
"""
from __future__ import annotations

import folium
import orjson

from gis_service.maps.base import new_map
from gis_service.maps.cdn import localize_html
from gis_service.settings import Settings

PARCEL_STYLE = {"color": "#D50000", "weight": 3, "fillColor": "#D50000", "fillOpacity": 0.15}
LAYER_ORDER = ("function_zones", "admin_units", "ecology_sites", "urban_village_sites", "green_corridors")


def _leaflet_style(style: dict | None) -> dict:
    style = style or {}
    return {"color": style.get("color", "#616161"), "weight": style.get("weight", 2),
            "fillColor": style.get("fill_color", style.get("color", "#616161")),
            "fillOpacity": style.get("fill_opacity", 0.2), "dashArray": style.get("dash_array")}


def _feature_collection(rows: list[dict], layer: str, layer_style: dict | None) -> dict:
    classes = (layer_style or {}).get("classes", {})
    features = []
    for row in rows:
        if row["layer"] != layer or row["geometry"] is None:
            continue
        style = _leaflet_style(classes.get(row["class"], layer_style))
        features.append({"type": "Feature", "geometry": orjson.loads(row["geometry"]),
                         "properties": {"name": row["name"], "class": row["class"], "style": style}})
    return {"type": "FeatureCollection", "features": features}


def build_parcel_map(settings: Settings, report: dict, rows: list[dict], styles: dict, *,
                     embed: bool = True) -> folium.Map:
    fmap = new_map(settings, embed=embed)
    for layer in LAYER_ORDER:
        title, style = styles.get(layer, (layer, {}))
        collection = _feature_collection(rows, layer, style)
        if not collection["features"]:
            continue
        folium.GeoJson(collection, name=title, style_function=lambda f: f["properties"]["style"],
                       tooltip=folium.GeoJsonTooltip(["name"], labels=False)).add_to(fmap)
    verdict = report["verdict"]
    parcel = folium.GeoJson({"type": "Feature", "geometry": report["geometry"],
                             "properties": {"name": f"检查地块 · {verdict['zh']}"}},
                            name="检查地块 parcel", style_function=lambda f: PARCEL_STYLE,
                            tooltip=folium.GeoJsonTooltip(["name"], labels=False))
    parcel.add_to(fmap)
    west, south, east, north = _bounds(report["geometry"])
    pad = 0.002 if report["kind"] == "parcel" else 0.01
    fmap.fit_bounds([[south - pad, west - pad], [north + pad, east + pad]])
    folium.LayerControl(collapsed=True).add_to(fmap)
    return fmap


def _bounds(geometry: dict) -> tuple[float, float, float, float]:
    xs, ys, stack = [], [], [geometry["coordinates"]]
    while stack:
        item = stack.pop()
        if item and isinstance(item[0], (int, float)):
            xs.append(item[0])
            ys.append(item[1])
        else:
            stack.extend(item)
    return min(xs), min(ys), max(xs), max(ys)


def render_parcel_map(settings: Settings, report: dict, rows: list[dict], styles: dict) -> str:
    """The map page's HTML, its assets served by this service."""
    html = build_parcel_map(settings, report, rows, styles).get_root().render()
    return localize_html(html, f"{settings.root_path}/static")
