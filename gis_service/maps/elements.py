"""Small Folium elements for the map pages, one class per control.

Every element's JS variable name is derived from a per-render counter
(``deterministic_ids``), so the same request renders the same bytes: the
page's CSP hashes and its ETag then stay valid for a cached copy.
"""
from __future__ import annotations

import contextlib
import contextvars
import itertools
import json
from binascii import hexlify
from os import urandom

import folium
import folium.plugins
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

_counter: contextvars.ContextVar[itertools.count | None] = contextvars.ContextVar("map_ids", default=None)


def _generate_id(cls) -> str:
    counter = _counter.get()
    return hexlify(urandom(16)).decode() if counter is None else f"{next(counter):04d}"


def install_deterministic_ids() -> None:
    """Wrap branca's id generator once; outside ``deterministic_ids`` it stays random."""
    if Element.__dict__.get("_generate_id") is not _GENERATOR:
        Element._generate_id = _GENERATOR


_GENERATOR = classmethod(_generate_id)


@contextlib.contextmanager
def deterministic_ids():
    install_deterministic_ids()
    token = _counter.set(itertools.count(1))
    try:
        yield
    finally:
        _counter.reset(token)


def json_for_script(value) -> str:
    """JSON safe inside an HTML <script> block."""
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            .replace("</", "<\\/").replace("<!--", "<\\!--"))


class ScaleBar(MacroElement):
    """A metric-only scale bar (planners work in metres)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, maxWidth: 160, position: {{ this.position|tojson }}})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}""")

    def __init__(self, position: str = "bottomleft"):
        super().__init__()
        self._name = "ScaleBar"
        self.position = position


class GroupedLayers(JSCSSMixin, MacroElement):
    """leaflet-groupedlayercontrol with base layers, Chinese group names and group
    checkboxes; groups are non-exclusive unless listed in ``exclusive``."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control.groupedLayers(
            { {%- for name, layer in this.base %}{{ name|tojson }}: {{ layer.get_name() }},{% endfor -%} },
            { {%- for group, layers in this.groups %}
              {{ group|tojson }}: { {%- for name, layer in layers %}{{ name|tojson }}: {{ layer.get_name() }},{% endfor -%} },
            {%- endfor %} },
            {{ this.options|tojson }}
        ).addTo({{ this._parent.get_name() }});
        {%- for layer in this.hidden %}
        {{ layer.get_name() }}.remove();
        {%- endfor %}
        {% endmacro %}""")

    default_js = folium.plugins.GroupedLayerControl.default_js
    default_css = folium.plugins.GroupedLayerControl.default_css

    def __init__(self, groups: list[tuple[str, list[tuple[str, Element]]]],
                 base: list[tuple[str, Element]] | None = None, exclusive: tuple[str, ...] = (),
                 hidden: list[Element] | None = None, collapsed: bool = False):
        super().__init__()
        self._name = "GroupedLayers"
        self.groups, self.base, self.hidden = groups, base or [], hidden or []
        self.options = {"collapsed": collapsed, "groupCheckboxes": True,
                        "exclusiveGroups": list(exclusive), "position": "topright"}


class MiniMap(JSCSSMixin, MacroElement):
    """An overview map with the page's own basemap; with none, an empty group the
    page script fills with the 城区 outline (so no tile host is ever asked)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }}_layer = L.layerGroup([
            {%- for t in this.tiles %}
            L.tileLayer({{ t.url|tojson }}, {attribution: {{ t.attribution|tojson }},
                         subdomains: {{ t.subdomains|tojson }}, maxZoom: {{ t.max_zoom }}}),
            {%- endfor %}
        ]);
        var {{ this.get_name() }} = new L.Control.MiniMap({{ this.get_name() }}_layer,
            {position: "bottomright", width: 160, height: 130, zoomLevelOffset: -4,
             toggleDisplay: true, strings: {hideText: "隐藏鹰眼图", showText: "显示鹰眼图"}})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}""")

    default_js = folium.plugins.MiniMap.default_js
    default_css = folium.plugins.MiniMap.default_css

    def __init__(self, tiles: tuple = ()):
        super().__init__()
        self._name = "MiniMap"
        self.tiles = tiles

    @property
    def layer_name(self) -> str:
        return self.get_name() + "_layer"


class SearchControl(JSCSSMixin, MacroElement):
    """Loads leaflet-search; the page script builds the control over its layers."""

    _template = Template("")
    default_js = folium.plugins.Search.default_js
    default_css = folium.plugins.Search.default_css

    def __init__(self):
        super().__init__()
        self._name = "SearchControl"


class MarkerClusterAssets(JSCSSMixin, MacroElement):
    """Loads Leaflet.markercluster; the page script creates the cluster group."""

    _template = Template("")
    default_js = folium.plugins.MarkerCluster.default_js
    default_css = folium.plugins.MarkerCluster.default_css

    def __init__(self):
        super().__init__()
        self._name = "MarkerClusterAssets"


def add_page_script(fmap: folium.Map, js_urls: list[str], css_url: str, config: dict) -> None:
    """The page's own scripts, deferred so they run (in order) after Folium's inline
    script, and their configuration as a JSON data block (never executed, so no CSP hash)."""
    root = fmap.get_root()
    # In the body, so it loads after Folium's and Bootstrap's stylesheets and wins over them.
    root.html.add_child(Element(f'<link rel="stylesheet" href="{css_url}"/>'), name="page_css")
    for i, url in enumerate(js_urls):
        root.header.add_child(Element(f'<script defer src="{url}"></script>'), name=f"page_js_{i}")
    root.html.add_child(Element(
        f'<script type="application/json" id="map-config">{json_for_script(config)}</script>'),
        name="page_config")
