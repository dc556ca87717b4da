"""``/maps/parcel/{id}``: a checked parcel over the zone layers, with its title, verdict and legend.

Built on the shared ``new_map`` (basemap choice, neutral offline background) and
the offline assets. The caller passes the report, the context rows and the layer styles
(``services.map_pages.parcel`` reads them from PostGIS and ``layer_meta``); each style goes
through ``collection_style``, the one style definition, so 禁止开发区 is hatched as on the zones map.
"""
from __future__ import annotations

import folium
import orjson

from gis_service.maps import chrome
from gis_service.maps.base import new_map
from gis_service.maps.cdn import localize_html
from gis_service.maps.elements import deterministic_ids
from gis_service.maps.styles import PARCEL_STYLE, VERDICT_COLOURS, collection_style, hatch_id
from gis_service.settings import Settings
from gis_service.vocab import collection_title

LAYER_ORDER = ("function_zones", "admin_units", "ecology_sites", "urban_village_sites", "green_corridors")
HATCHED_OPACITY = 0.9  # the pattern carries its own transparency, as on the zones map


def _leaflet_style(style: dict, class_code: str | None) -> dict:
    colour = style.get("color", "#616161")
    out = {"color": colour, "weight": style.get("weight", 2),
           "fillColor": style.get("fill_color") or colour,
           "fillOpacity": style.get("fill_opacity", 0.2), "dashArray": style.get("dash_array")}
    if style.get("hatch") and class_code:
        out.update(fillColor=f"url(#{hatch_id(class_code)})", fillOpacity=HATCHED_OPACITY)
    return out


def _hatch_patterns(styles: dict) -> list[tuple[str, str]]:
    patterns = []
    for layer in LAYER_ORDER:
        style = collection_style(layer, styles.get(layer))
        for code, cls in style.get("classes", {}).items():
            if cls.get("hatch"):
                patterns.append((hatch_id(code), cls.get("fill_color") or cls.get("color")))
    return patterns


def _feature_collection(rows: list[dict], layer: str, layer_style: dict | None) -> dict:
    style = collection_style(layer, layer_style)
    classes = style.get("classes", {})
    features = []
    for row in rows:
        if row["layer"] != layer or row["geometry"] is None:
            continue
        cls = classes.get(str(row["class"]))
        features.append({"type": "Feature", "geometry": orjson.loads(row["geometry"]),
                         "properties": {"name": row["name"], "class": row["class"],
                                        "style": _leaflet_style(cls or style, row["class"] if cls else None)}})
    return {"type": "FeatureCollection", "features": features}


def _chrome(fmap: folium.Map, report: dict, styles: dict, links: dict, embed: bool) -> None:
    verdict = report["verdict"]
    macros = chrome.environment_module("maps/parcel.html")
    html = fmap.get_root().html
    html.add_child(folium.Element(str(macros.hatch_defs(_hatch_patterns(styles)))), name="hatch_defs")
    html.add_child(folium.Element(str(macros.header(
        f"地块图 Parcel map · {report['id'][:8]}", verdict, VERDICT_COLOURS[verdict["code"]],
        links["home"], links["report"], embed))), name="header")
    if not embed:  # embedded in the report, which prints the same legend below the map
        html.add_child(folium.Element(chrome.legend_html(chrome.parcel_legend())), name="legend")
    html.add_child(folium.Element(f'<link rel="stylesheet" href="{links["css"]}"/>'), name="page_css")


def build_parcel_map(settings: Settings, report: dict, rows: list[dict], styles: dict, *,
                     links: dict, embed: bool = True) -> folium.Map:
    fmap = new_map(settings, embed=embed)
    for layer in LAYER_ORDER:
        collection = _feature_collection(rows, layer, styles.get(layer))
        if not collection["features"]:
            continue
        folium.GeoJson(collection, name=collection_title(layer), style_function=lambda f: f["properties"]["style"],
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
    _chrome(fmap, report, styles, links, embed)
    fmap.get_root().title = f"地块图 Parcel map · {verdict['zh']}"
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


def render_parcel_map(settings: Settings, report: dict, rows: list[dict], styles: dict, *,
                      base: str = "", embed: bool = True) -> str:
    """The map page's HTML, its assets served by this service."""
    links = {"home": f"{base}/", "report": f"{base}/analysis/parcel-check/{report['id']}?f=html",
             "css": f"{base}/static/maps/maps.css"}
    with deterministic_ids():
        html = build_parcel_map(settings, report, rows, styles, links=links, embed=embed).get_root().render()
    return localize_html(html, f"{settings.root_path}/static")
