"""The shared start of every Folium map page: the map object and its basemap.

The default basemap is "none": a neutral background, so a page on an offline
intranet makes no request to any host but the service. Tianditu uses CGCS2000,
which needs no offset; Gaode (GCJ-02) tiles are deliberately not offered.
"""
from __future__ import annotations

import folium

from gis_service.settings import Settings

CHENGQU_CENTER = (35.505, 112.85)
CHENGQU_BOUNDS = ((35.40, 112.70), (35.62, 112.98))
NEUTRAL_BACKGROUND = "#f4f3ef"
TIANDITU_URL = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}"
                "&TILEROW={{y}}&TILECOL={{x}}&tk={key}")
OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def basemap_layers(settings: Settings, choice: str | None = None) -> list[folium.TileLayer]:
    """Tile layers for the configured basemap; empty for "none"."""
    choice = choice or settings.basemap
    if choice == "none":
        return []
    if choice in ("tianditu", "tianditu-img"):
        if not settings.tianditu_key:
            return []
        base, labels = ("img", "cia") if choice == "tianditu-img" else ("vec", "cva")
        return [folium.TileLayer(TIANDITU_URL.format(s="{s}", layer=layer, key=settings.tianditu_key),
                                 attr="天地图 Tianditu", name=f"天地图 {layer}", subdomains="01234567",
                                 overlay=False, control=layer == base, max_zoom=18)
                for layer in (base, labels)]
    if choice == "osm":
        return [folium.TileLayer(OSM_URL, attr="© OpenStreetMap contributors", name="OpenStreetMap",
                                 overlay=False, max_zoom=19)]
    if choice.startswith(("http://", "https://", "/")):
        return [folium.TileLayer(choice, attr=settings.basemap_attribution or "basemap", name="底图 basemap",
                                 overlay=False, max_zoom=20)]
    return []


def new_map(settings: Settings, *, basemap: str | None = None, embed: bool = False) -> folium.Map:
    """A map centred on 城区 with the configured basemap (or a neutral background)."""
    fmap = folium.Map(location=CHENGQU_CENTER, zoom_start=11, tiles=None, control_scale=True,
                      zoom_control=not embed, max_bounds=False)
    layers = basemap_layers(settings, basemap)
    for layer in layers:
        layer.add_to(fmap)
    if not layers:
        fmap.get_root().header.add_child(folium.Element(
            f"<style>.leaflet-container {{ background: {NEUTRAL_BACKGROUND}; }}</style>"))
    return fmap
