"""House symbology shared by the web maps and the static images: layer symbols, rate classes,
the overview's layer groups. Words and domain colours come from ``gis_service.vocab``."""
from __future__ import annotations

from dataclasses import dataclass

from gis_service.vocab import (
    HIT_SEVERITIES, LIFECYCLE_COLLECTIONS, VERDICTS, class_label, manifest, signal_colours, statuses,
)

NO_DATA_COLOUR = "#BDBDBD"
# Completion rate classes: upper bound (inclusive) -> colour, light to dark green.
RATE_CLASSES = ((0.2, "#E8F5E9"), (0.4, "#A5D6A7"), (0.6, "#66BB6A"), (0.8, "#388E3C"), (1.0, "#1B5E20"))


@dataclass(frozen=True)
class LayerStyle:
    colour: str
    fill_colour: str
    fill_opacity: float
    weight: float
    dash: str | None = None
    radius: float | None = None  # point layers: circle markers

    def leaflet(self) -> dict:
        return {"color": self.colour, "fillColor": self.fill_colour, "fillOpacity": self.fill_opacity,
                "weight": self.weight, "dashArray": self.dash, "radius": self.radius}


# Marker radius of the point layers: a map-only property the manifest's styles do not carry.
POINT_RADIUS = {"projects": 6, "other_places": 5}
# Project markers are filled by status; a neutral ring keeps the house colour from reading as one.
STATUS_MARKER_RING = "#263238"


def _layer_style(collection_id: str, style: dict) -> LayerStyle:
    ring = STATUS_MARKER_RING if collection_id == "projects" else style["color"]
    return LayerStyle(ring, style["fill_color"], style["fill_opacity"], style["weight"],
                      style.get("dash_array"), POINT_RADIUS.get(collection_id))


# Layer symbols for the maps, from the manifest's house style (the one style definition that
# QGIS, SLD and MapLibre styles use too); function_zones are styled by class instead.
LAYER_STYLES = {c.id: _layer_style(c.id, c.style) for c in manifest().collections}
# The overview's grouped layer control: (group, collections), non-exclusive.
OVERVIEW_GROUPS = (
    ("规划分区", ("function_zones",)),
    ("行政与片区", ("admin_units", "sub_areas", "admin_context")),
    ("城中村", ("urban_village_sites",)),
    ("生态", ("ecology_sites", "green_corridors")),
    ("农业", ("agri_areas",)),
    ("项目", ("projects",)),
    ("其他", ("other_places",)),
)
OVERVIEW_COLLECTIONS = tuple(c for _, cs in OVERVIEW_GROUPS for c in cs)
WATER_CATEGORIES = {"ecology_sites": ("reservoir",), "green_corridors": ("river", "river_works")}


def rate_colour(rate: float | None) -> str:
    if rate is None:
        return NO_DATA_COLOUR
    return next(colour for bound, colour in RATE_CLASSES if rate <= bound + 1e-9)


def rate_legend() -> list[tuple[str, str]]:
    """(label, colour) rows for the completion-rate legend, grey 'no data' last."""
    rows, low = [], 0
    for bound, colour in RATE_CLASSES:
        rows.append((f"{low:.0f}–{bound * 100:.0f} %", colour))
        low = bound * 100
    rows.append(("无数据 no data", NO_DATA_COLOUR))
    return rows


# Parcel-check severities and verdicts (the report, its map, the clerk's page).
SEVERITY_COLOURS = signal_colours(HIT_SEVERITIES)
VERDICT_COLOURS = signal_colours(VERDICTS)
# The checked parcel on its map and in its legend.
PARCEL_STYLE = {"color": "#D50000", "weight": 3, "fillColor": "#D50000", "fillOpacity": 0.15}


def hatch_id(class_code: str) -> str:
    """Id of the SVG pattern a hatched class is filled with (the zones page and the parcel map)."""
    return f"hatch-{class_code}"


METRES_PER_DEGREE = 111_320  # display simplification tolerances are given in metres


STYLE_CLASS_KEYS = ("style_by", "classes")


def collection_style(collection_id: str, style: dict | None) -> dict:
    """The one style definition every output derives from (web-map style.json, SLD, QML, the QGIS
    project): the manifest's house style, its classes labelled in Chinese, and the lifecycle
    collections classed by status in the status colours the maps and their legends use."""
    base = {k: v for k, v in (style or {}).items() if k not in STYLE_CLASS_KEYS}
    if collection_id in LIFECYCLE_COLLECTIONS:
        drawn = LAYER_STYLES[collection_id]  # the maps' outline and marker size around the status colour
        base = {**base, "color": drawn.colour, **({"radius": drawn.radius} if drawn.radius else {})}
        classes = {code: {**base, "fill_color": s.colour, "label": s.zh, "label_en": s.en}
                   for code, s in statuses(collection_id).items()}
        return {**base, "style_by": "status", "classes": classes, "label_property": "name"}
    attribute, classes = (style or {}).get("style_by"), (style or {}).get("classes") or {}
    out = {**base, "label_property": "name"}
    if attribute and classes:
        out.update(style_by=attribute, classes={
            str(value): {**base, **(cls or {}), "label": (cls or {}).get("label") or class_label(attribute, str(value))}
            for value, cls in classes.items()})
    return out
