"""HTML around the map: header, banners, legend and side panel, from
``templates/maps/chrome.html`` (classes only: no inline styles or scripts)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from gis_service.maps.styles import LAYER_STYLES, PARCEL_STYLE, rate_colour, rate_legend
from gis_service.vocab import (
    PROJECT_STATUS, UNDESIGNATED, VILLAGE_STATUS, WATER_COLOUR, ZONE_CLASSES, bilingual_title,
    collection_title,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@lru_cache(maxsize=8)
def environment_module(template: str):
    """A template's macros (``maps/chrome.html``, ``maps/parcel.html``)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return env.get_template(template).module


def macros():
    return environment_module("maps/chrome.html")


def row(label: str, **symbol) -> dict:
    return {"label": label, "symbol": symbol}


def zone_rows() -> list[dict]:
    return [row(f"{zh} {en}", fill=colour, hatch=hatched, opacity=0.45)
            for zh, en, colour, hatched in ZONE_CLASSES.values()]


def status_rows(vocabulary: dict, counts: dict | None = None) -> list[dict]:
    rows = []
    for code, status in vocabulary.items():
        entry = row(f"{status.zh} {status.en}", fill=status.colour, circle=True)
        if counts is not None:
            entry["count"] = counts.get(code, 0)
        rows.append(entry)
    return rows


def layer_row(collection_id: str) -> dict:
    style = LAYER_STYLES[collection_id]
    title = collection_title(collection_id)
    if style.radius:
        return row(title, fill=style.fill_colour, stroke=style.colour, circle=True)
    if collection_id == "green_corridors":
        return row(title, fill=style.colour, line=True)
    return row(title, fill=style.fill_colour, stroke=style.colour, opacity=max(style.fill_opacity, 0.05))


def overview_legend() -> list[tuple[str, list[dict]]]:
    layers = [layer_row(c) for c in ("admin_units", "sub_areas", "urban_village_sites", "ecology_sites",
                                     "green_corridors", "agri_areas", "other_places")]
    return [(bilingual_title("function_zones"), zone_rows()), ("图层 Layers", layers),
            ("项目状态 Project status", status_rows(PROJECT_STATUS))]


def zones_legend() -> list[tuple[str, list[dict]]]:
    zh, en, colour = UNDESIGNATED
    return [(bilingual_title("function_zones"),
             [*zone_rows(), row(f"{zh} {en}（无填充 no fill）", fill="none", stroke=colour, opacity=0)]),
            ("水系 Water", [row("水库 reservoirs", fill=WATER_COLOUR, opacity=0.5),
                            row("河流 rivers", fill=WATER_COLOUR, line=True)]),
            (bilingual_title("admin_units"), [layer_row("admin_units")])]


PARCEL_LAYERS = ("admin_units", "ecology_sites", "urban_village_sites", "green_corridors")


def parcel_legend(layers: tuple[str, ...] = PARCEL_LAYERS) -> list[tuple[str, list[dict]]]:
    """The parcel map's legend: the checked parcel, the zone classes (禁止开发区 hatched), the context layers."""
    parcel = row("检查地块 checked parcel", fill=PARCEL_STYLE["fillColor"], stroke=PARCEL_STYLE["color"],
                 opacity=PARCEL_STYLE["fillOpacity"])
    return [("地块 Parcel", [parcel]), (bilingual_title("function_zones"), zone_rows()),
            ("图层 Layers", [layer_row(c) for c in layers])]


def progress_legend(unit_rates: list | None = None) -> list[tuple[str, list[dict]]]:
    """With the shown units' rates, each class row carries how many units fall in it."""
    rates = []
    for label, colour in rate_legend():
        entry = row(label, fill=colour, stroke="#607D8B")
        if unit_rates is not None:
            entry["count"] = sum(rate_colour(r) == colour for r in unit_rates)
        rates.append(entry)
    rates.append(row("未知占比（标签内斜纹条）unknown share (hatched bar)", fill="#78909C", hatch=True))
    return [("完成率 Completion rate", rates),
            ("项目状态 Project status", status_rows(PROJECT_STATUS)),
            ("城中村状态 Urban-village status", status_rows(VILLAGE_STATUS))]


def legend_html(sections) -> str:
    return str(macros().legend(sections))
