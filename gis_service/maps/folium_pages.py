"""The three Folium pages: overview, progress and zones.

Folium builds the map, its controls and empty layer groups; the page script
(static/maps/maps.js) fills the groups from the service's own OGC API, so no
heavy GeoJSON is inlined. Everything the script needs is one JSON data block.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from html import escape
from urllib.parse import urlencode

import folium
import folium.plugins

from gis_service.maps import chrome, interactions
from gis_service.maps.cdn import localize_html
from gis_service.maps.base import CHENGQU_BOUNDS, basemap_groups, basemaps, new_map
from gis_service.maps.elements import (
    GroupedLayers, MarkerClusterAssets, MiniMap, SearchControl, add_page_script, deterministic_ids,
)
from gis_service.maps.params import MapParams
from gis_service.maps.styles import (
    LAYER_STYLES, NO_DATA_COLOUR, OVERVIEW_COLLECTIONS, OVERVIEW_GROUPS, RATE_CLASSES, WATER_CATEGORIES,
)
from gis_service.settings import Settings
from gis_service.vocab import (
    BASIS_LABELS, CATEGORY_LABELS, PROJECT_STATUS, QUALITY_LABELS, STATUS_VOCABULARY, UNDESIGNATED,
    VILLAGE_STATUS, WATER_COLOUR, ZONE_CLASSES, bilingual_title, collection_title,
    collection_titles,
)

TITLES = {"overview": "规划总览 Plan overview", "progress": "实施进展 Progress",
          "zones": bilingual_title("function_zones")}
# Display simplification (metres) per collection; points are never simplified.
SIMPLIFY_M = {"admin_context": 30, "admin_units": 5, "sub_areas": 5, "function_zones": 5, "agri_areas": 5,
              "urban_village_sites": 2, "ecology_sites": 3, "green_corridors": 3}
KINDS = {"projects": "point", "other_places": "point", "green_corridors": "line"}
ZONE_LAYERS = tuple(f"zone_{code}" for code in ZONE_CLASSES)
ZONES_PAGE_LAYERS = (*ZONE_LAYERS, "undesignated", "reservoirs", "rivers", "admin_units")
PROGRESS_PAGE_LAYERS = ("rate_admin_units", "rate_sub_areas", "projects", "urban_village_sites", "district")
# Label hierarchy: lower ranks win collisions (district > 片区 > 街道/镇 > zone).
LABEL_RANKS = {"sub_areas": 2, "admin_units": 3, "function_zones": 4}
PAGE_LAYERS = {"overview": OVERVIEW_COLLECTIONS, "progress": PROGRESS_PAGE_LAYERS, "zones": ZONES_PAGE_LAYERS}


@dataclass
class LayerSpec:
    key: str
    title: str
    url: str | None = None           # GeoJSON source; None: drawn from the page data
    collection: str | None = None
    kind: str = "polygon"
    style: dict = field(default_factory=dict)
    style_by: str | None = None      # zone_class | status | rate
    classes: dict = field(default_factory=dict)
    where: dict = field(default_factory=dict)  # property -> allowed values (client side)
    hatch: list = field(default_factory=list)  # class codes drawn hatched
    popup: bool = True
    search: bool = True
    group: str = ""                  # JS variable of the Folium FeatureGroup
    label: int = 0                   # permanent-label rank (LABEL_RANKS); 0: no label


@dataclass
class PageInput:
    page: str
    params: MapParams
    settings: Settings
    base: str                        # the service's base URL as the client sees it
    data_date: dt.date | None
    demo: bool
    unlocated: list = field(default_factory=list)
    progress: dict | None = None     # services.map_pages.data.progress_payload(...)
    progress_view: object | None = None
    states: dict | None = None       # as_of: {collection: {id: {status, percent_complete, status_date}}}
    timeline: list = field(default_factory=list)  # progress page: days with recorded progress changes


def items_url(inp: PageInput, collection: str, **query) -> str:
    params = {"f": "json", "limit": inp.settings.max_limit, "precision": 6, **query}
    if collection in SIMPLIFY_M:
        params["simplify"] = SIMPLIFY_M[collection]
    return f"{inp.base}/collections/{collection}/items?{urlencode(params)}"


def _plan_layer(inp: PageInput, collection: str, key: str | None = None, title: str | None = None,
                **extra) -> LayerSpec:
    query = extra.pop("query", {})
    extra.setdefault("style", LAYER_STYLES[collection].leaflet())
    extra.setdefault("label", LABEL_RANKS.get(collection, 0))
    return LayerSpec(key=key or collection, title=title or collection_title(collection),
                     url=items_url(inp, collection, **query), collection=collection,
                     kind=KINDS.get(collection, "polygon"), **extra)


def _zone_classes() -> dict:
    return {code: {"color": colour, "fillColor": colour, "fillOpacity": 0.45 if not hatched else 0.9,
                   "weight": 1.5} for code, (_, _, colour, hatched) in ZONE_CLASSES.items()}


def _status_classes(collection: str) -> dict:
    return {code: {"fillColor": status.colour} for code, status in STATUS_VOCABULARY[collection].items()}


def overview_layers(inp: PageInput) -> list[tuple[str, list[LayerSpec]]]:
    groups = []
    for group, collections in OVERVIEW_GROUPS:
        specs = []
        for c in collections:
            if c == "function_zones":
                specs.append(_plan_layer(inp, c, style_by="zone_class", classes=_zone_classes(),
                                         hatch=["prohibited"]))
            elif c == "projects":
                specs.append(_plan_layer(inp, c, style_by="status", classes=_status_classes(c)))
            else:
                specs.append(_plan_layer(inp, c, search=c not in ("admin_context",)))
        groups.append((group, specs))
    return groups


def zones_layers(inp: PageInput) -> list[tuple[str, list[LayerSpec]]]:
    zones = [_plan_layer(inp, "function_zones", key=f"zone_{code}", title=f"{zh} {en}",
                         style=_zone_classes()[code], query={"zone_class": code},
                         hatch=["prohibited"] if hatched else [], style_by="zone_class",
                         classes=_zone_classes())
             for code, (zh, en, _, hatched) in ZONE_CLASSES.items()]
    zh, en, colour = UNDESIGNATED
    undesignated = LayerSpec("undesignated", f"{zh} {en}", url=f"{inp.base}/maps/zones/undesignated.geojson",
                             style={"color": colour, "weight": 1.5, "dashArray": "6 4", "fill": False,
                                    "fillOpacity": 0}, search=False)
    water_style = {"color": WATER_COLOUR, "fillColor": WATER_COLOUR, "fillOpacity": 0.5, "weight": 2}
    reservoirs = _plan_layer(inp, "ecology_sites", key="reservoirs", title="水库 Reservoirs", style=water_style,
                             where={"category": list(WATER_CATEGORIES["ecology_sites"])})
    rivers = _plan_layer(inp, "green_corridors", key="rivers", title="河流 Rivers",
                         style={"color": WATER_COLOUR, "weight": 3},
                         where={"category": list(WATER_CATEGORIES["green_corridors"])})
    admin = _plan_layer(inp, "admin_units", search=False)
    return [(collection_title("function_zones"), zones), ("未划定", [undesignated]), ("水系", [reservoirs, rivers]),
            (collection_title("admin_units"), [admin])]


def progress_layers(inp: PageInput) -> list[tuple[str, list[LayerSpec]]]:
    rate_style = {"color": "#546E7A", "weight": 1.5, "fillOpacity": 0.75, "fillColor": NO_DATA_COLOUR}
    rates = [_plan_layer(inp, kind, key=f"rate_{kind}", title=title, style=rate_style, style_by="rate",
                         search=False)
             for kind, title in (("admin_units", "按街道/镇 by admin unit (8)"),
                                 ("sub_areas", "按片区 by sub-area (4)"))]
    markers = [LayerSpec(c, collection_title(c), collection=c, kind="marker", style_by="status",
                         classes=_status_classes(c))
               for c in ("projects", "urban_village_sites")]
    district = _plan_layer(inp, "admin_units", key="district", title="城区边界 District outline",
                           style={"color": "#263238", "weight": 2.5, "fill": False}, where={"level": ["district"]},
                           search=False, popup=False)
    return [("完成率 Completion rate", rates), ("进展 Progress", markers), ("边界 Boundary", [district])]


LAYER_BUILDERS = {"overview": overview_layers, "progress": progress_layers, "zones": zones_layers}
LEGENDS = {"overview": chrome.overview_legend, "progress": chrome.progress_legend, "zones": chrome.zones_legend}


def _visible(page: str, key: str, params: MapParams) -> bool:
    if page == "progress" and key.startswith("rate_"):
        return key == f"rate_{params.by}" and (params.layers is None or key in params.layers)
    return params.layers is None or key in params.layers


def page_links(inp: PageInput) -> tuple[dict, dict]:
    keep = {k: v for k, v in inp.params.query(embed=False, layers=None, bbox=None, center=None, zoom=None).items()}
    page_q = "?" + urlencode(keep) if keep else ""
    links = {p: f"{inp.base}/maps/{p}{page_q}" for p in TITLES}
    links["home"] = f"{inp.base}/?f=html"
    links["parcel_check"] = f"{inp.base}/analysis/parcel-check?f=html"
    links["embed"] = f"{inp.base}/maps/{inp.page}?" + urlencode({**inp.params.query(), "embed": "1"})
    image_q = {k: v for k, v in inp.params.query(embed=False).items()
               if k in ("as_of", "category", "zhuanlan", "by")}
    images = {ext: f"{inp.base}/maps/{inp.page}.{ext}" + ("?" + urlencode(image_q) if image_q else "")
              for ext in ("png", "pdf")}
    return links, images


def _legend(inp: PageInput) -> list:
    if inp.page == "progress" and inp.progress_view is not None:
        return chrome.progress_legend([s.rate for s in inp.progress_view.units[inp.params.by]])
    return LEGENDS[inp.page]()


def _data_date(inp: PageInput) -> str:
    return inp.data_date.isoformat() if inp.data_date else "—"


def source_line(inp: PageInput) -> str:
    """The compact source line an embedded map keeps in its attribution (escaped HTML)."""
    parts = ["依据《城区“十三五”规划纲要》", "示意图", f"数据日期 {_data_date(inp)}"]
    if inp.demo:
        parts.append("演示数据")
    return escape(" · ".join(parts))


def _chrome(inp: PageInput, fmap: folium.Map) -> None:
    m = chrome.macros()
    html = fmap.get_root().html
    if not inp.params.embed:
        links, images = page_links(inp)
        html.add_child(folium.Element(str(m.header(inp.page, TITLES[inp.page], links, images))), name="header")
    no_basemap = not basemaps(inp.settings, inp.params.basemap)
    html.add_child(folium.Element(str(m.banners(inp.demo, inp.params.as_of, _data_date(inp), inp.params.embed,
                                                no_basemap))), name="banners")
    html.add_child(folium.Element(chrome.legend_html(_legend(inp))), name="legend")
    if inp.params.embed:
        return
    parts = []
    view = inp.progress_view
    if inp.page == "progress" and view is not None:
        parts.append(str(m.progress_form(inp.params, view, CATEGORY_LABELS, f"{inp.base}/maps/progress")))
        counts = [("项目 Projects", chrome.status_rows(PROJECT_STATUS, view.status_counts["projects"])),
                  ("城中村 Urban villages",
                   chrome.status_rows(VILLAGE_STATUS, view.status_counts["urban_village_sites"]))]
        parts.append(str(m.progress_summary(view, counts, view.units[inp.params.by], inp.params.by)))
    parts.append(str(m.unlocated(inp.unlocated, inp.base, collection_titles())))
    html.add_child(folium.Element('<aside class="map-panel" id="map-panel">' + "".join(parts) + "</aside>"),
                   name="panel")


def _controls(inp: PageInput, fmap: folium.Map) -> MiniMap:
    folium.plugins.Fullscreen(position="topleft", title="全屏 Full screen",
                              title_cancel="退出全屏 Exit full screen").add_to(fmap)
    folium.plugins.MousePosition(position="bottomright", separator=", ", empty_string="—", num_digits=6,
                                 prefix="CGCS2000 纬度,经度").add_to(fmap)
    found = basemaps(inp.settings, inp.params.basemap)
    minimap = MiniMap(tuple(found[0].tiles) if found else ())
    minimap.add_to(fmap)
    SearchControl().add_to(fmap)
    if inp.page == "progress":
        MarkerClusterAssets().add_to(fmap)
    return minimap


def _view(inp: PageInput, fmap: folium.Map) -> None:
    p = inp.params
    if p.bbox:
        fmap.fit_bounds([[p.bbox[1], p.bbox[0]], [p.bbox[3], p.bbox[2]]])
    elif p.center:
        fmap.location = list(p.center)
        fmap.options["zoom"] = p.zoom or 13
    elif p.zoom:
        fmap.options["zoom"] = p.zoom
    else:
        fmap.fit_bounds([list(CHENGQU_BOUNDS[0]), list(CHENGQU_BOUNDS[1])])


def _labels() -> dict:
    return {"quality": QUALITY_LABELS, "basis": BASIS_LABELS, "category": CATEGORY_LABELS,
            "status": {c: {k: f"{v.zh} {v.en}" for k, v in vocab.items()} for c, vocab in STATUS_VOCABULARY.items()},
            "rateClasses": [[bound, colour] for bound, colour in RATE_CLASSES], "noData": NO_DATA_COLOUR}


def config_as_of(inp: PageInput) -> str | None:
    return inp.params.as_of.isoformat() if inp.params.as_of else None


def render_page(inp: PageInput) -> str:
    """The page's HTML. Same input, same bytes (deterministic element ids)."""
    with deterministic_ids():
        fmap = new_map(inp.settings, basemap=inp.params.basemap, embed=inp.params.embed, add_basemap=False)
        bases = basemap_groups(inp.settings, inp.params.basemap)
        for group in bases:
            group.add_to(fmap)
        grouped, hidden, specs = [], [], []
        for group_name, layer_specs in LAYER_BUILDERS[inp.page](inp):
            entries = []
            for spec in layer_specs:
                layer = folium.FeatureGroup(name=spec.title, show=True).add_to(fmap)
                spec.group = layer.get_name()
                if not _visible(inp.page, spec.key, inp.params):
                    hidden.append(layer)
                entries.append((spec.title, layer))
                specs.append(spec)
            grouped.append((group_name, entries))
        exclusive = ("完成率 Completion rate",) if inp.page == "progress" else ()
        GroupedLayers(grouped, base=[(g.layer_name, g) for g in bases], exclusive=exclusive,
                      hidden=hidden, collapsed=True).add_to(fmap)
        minimap = _controls(inp, fmap)
        _view(inp, fmap)
        _chrome(inp, fmap)
        static = f"{inp.base}/static"
        p = inp.params
        config = {"page": inp.page, "base": inp.base, "map": fmap.get_name(), "minimap": minimap.layer_name,
                  "embed": inp.params.embed, "layers": [asdict(s) for s in specs],
                  "district": items_url(inp, "admin_units", id="chengqu"),
                  "labels": _labels(), "progress": inp.progress, "states": inp.states,
                  "source": source_line(inp) if inp.params.embed else None,
                  "fit": None if p.bbox or p.center or p.zoom else [list(c) for c in CHENGQU_BOUNDS],
                  "asOf": inp.params.as_of.isoformat() if inp.params.as_of else None,
                  "interactions": interactions.interaction_config(
                      page=inp.page, title=TITLES[inp.page], demo=inp.demo, as_of=config_as_of(inp),
                      data_date=inp.data_date.isoformat() if inp.data_date else "—", timeline=inp.timeline,
                      filtered=bool(inp.params.category or inp.params.zhuanlan), max_limit=inp.settings.max_limit)}
        add_page_script(fmap, [f"{static}/maps/measure.js", f"{static}/maps/legibility.js",
                               f"{static}/maps/maps.js",
                               f"{static}/analysis/box-stats.js"],
                        f"{static}/maps/maps.css", config)
        fmap.get_root().header.add_child(folium.Element(f'<link rel="icon" href="{inp.base}/favicon.ico"/>'),
                                         name="favicon")
        interactions.add_interactions(fmap, static)
        fmap.get_root().title = TITLES[inp.page]
        html = fmap.get_root().render()
    return localize_html(html, f"{inp.settings.root_path}/static")
