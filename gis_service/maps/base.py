"""The shared start of every Folium map page: the map object and its basemap.

The default basemap is "none": a neutral background, so a page on an offline
intranet makes no request to any host but the service. Tianditu uses CGCS2000,
which needs no offset; each base is paired with its label layer in one group.
Gaode (GCJ-02) tiles are deliberately not offered.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import folium

from gis_service.errors import BadParameter
from gis_service.maps.elements import ScaleBar
from gis_service.settings import Settings

CHENGQU_CENTER = (35.51, 112.83)
CHENGQU_BOUNDS = ((35.426, 112.746), (35.594, 112.919))  # the district outline's extent
NEUTRAL_BACKGROUND = "#f4f3ef"
TIANDITU_URL = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}"
                "&TILEROW={{y}}&TILECOL={{x}}&tk={key}")
TIANDITU_HOSTS = "https://*.tianditu.gov.cn"
OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
BASEMAP_CHOICES = ("none", "tianditu", "tianditu-img", "osm", "custom")


@dataclass(frozen=True)
class Tiles:
    url: str
    attribution: str
    max_zoom: int = 18
    subdomains: str = "abc"


@dataclass(frozen=True)
class Basemap:
    """One selectable background: tile layers drawn together (base + labels)."""
    name: str
    tiles: tuple[Tiles, ...]


def _custom_url(settings: Settings) -> str | None:
    for value in (settings.basemap_url, settings.basemap):
        if value and value.startswith(("http://", "https://", "/")):
            return value
    return None


def resolve_basemap(settings: Settings, choice: str | None = None) -> str:
    """The basemap code for a request: the query's choice or the configured default."""
    if choice is None:
        configured = settings.basemap
        return "custom" if _custom_url(settings) == configured else configured
    if choice not in BASEMAP_CHOICES:
        raise BadParameter("basemap", f"可选：{', '.join(BASEMAP_CHOICES)}",
                           f"use one of {', '.join(BASEMAP_CHOICES)}")
    return choice


def basemaps(settings: Settings, choice: str | None = None) -> list[Basemap]:
    """Backgrounds to offer, the selected one first; empty for "none" (or a missing key/URL)."""
    choice = resolve_basemap(settings, choice)
    if choice in ("tianditu", "tianditu-img"):
        if not settings.tianditu_key:
            return []
        pairs = [("天地图 矢量 vector", "vec", "cva"), ("天地图 影像 imagery", "img", "cia")]
        if choice == "tianditu-img":
            pairs.reverse()
        return [Basemap(name, tuple(Tiles(TIANDITU_URL.format(s="{s}", layer=layer, key=settings.tianditu_key),
                                          "天地图 Tianditu", 18, "01234567") for layer in (base, labels)))
                for name, base, labels in pairs]
    if choice == "osm":
        return [Basemap("OpenStreetMap", (Tiles(OSM_URL, "© OpenStreetMap contributors", 19),))]
    if choice == "custom" and _custom_url(settings):
        return [Basemap("底图 basemap", (Tiles(_custom_url(settings), settings.basemap_attribution or "basemap",
                                                20),))]
    return []


def basemap_hosts(settings: Settings, choice: str | None = None) -> list[str]:
    """Origins the page's images may come from, for the CSP ``img-src``."""
    hosts: list[str] = []
    for basemap in basemaps(settings, choice):
        for tiles in basemap.tiles:
            if "tianditu.gov.cn" in tiles.url:
                host = TIANDITU_HOSTS
            elif tiles.url.startswith("/"):
                continue  # same origin
            else:
                parts = urlsplit(tiles.url.replace("{s}", "a"))
                host = f"{parts.scheme}://{parts.netloc}".replace("://a.", "://*.")
            if host not in hosts:
                hosts.append(host)
    return hosts


def tile_layer(tiles: Tiles, **kwargs) -> folium.TileLayer:
    return folium.TileLayer(tiles.url, attr=tiles.attribution, max_zoom=tiles.max_zoom,
                            subdomains=tiles.subdomains, **kwargs)


def basemap_groups(settings: Settings, choice: str | None = None) -> list[folium.FeatureGroup]:
    """One non-overlay group per background (base + labels together); the first is shown."""
    groups = []
    for i, basemap in enumerate(basemaps(settings, choice)):
        group = folium.FeatureGroup(name=basemap.name, overlay=False, control=True, show=i == 0)
        for tiles in basemap.tiles:
            tile_layer(tiles).add_to(group)
        groups.append(group)
    return groups


def new_map(settings: Settings, *, basemap: str | None = None, embed: bool = False,
            add_basemap: bool = True) -> folium.Map:
    """A map centred on 城区 with the configured basemap (or a neutral background).

    With ``add_basemap=False`` the caller adds ``basemap_groups`` itself (to list
    them in its own layer control).
    """
    fmap = folium.Map(location=CHENGQU_CENTER, zoom_start=12, tiles=None, control_scale=False,
                      zoom_control=not embed, max_bounds=False)
    fmap.options.update(maxZoom=19, minZoom=7)  # folium's max_zoom only reaches its tile layers
    ScaleBar().add_to(fmap)
    has_tiles = bool(basemaps(settings, basemap))
    if add_basemap:
        for group in basemap_groups(settings, basemap):
            group.add_to(fmap)
    if not has_tiles:
        fmap.get_root().header.add_child(folium.Element(
            f"<style>.leaflet-container {{ background: {NEUTRAL_BACKGROUND}; }}</style>"))
    return fmap
