"""Static maps for reports: geopandas + matplotlib (Agg, object API, no pyplot state).

Drawn in EPSG:4547 so the scale bar is in metres; A4 portrait or landscape;
title, legend, scale bar, north arrow, data date and a source line that says
示意图 (and 演示数据 when demo values are shown).
"""
from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field

import geopandas as gpd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib_scalebar.scalebar import ScaleBar

from gis_service.crs import AREA_EPSG
from gis_service.maps.fonts import configure_matplotlib
from gis_service.maps.styles import LAYER_STYLES, STATUS_MARKER_RING, WATER_CATEGORIES, rate_colour, rate_legend
from gis_service.vocab import (
    PROJECT_STATUS, UNDESIGNATED, VILLAGE_STATUS, WATER_COLOUR, ZONE_CLASSES, collection_title, status_colour,
)

A4_INCHES = {"landscape": (11.69, 8.27), "portrait": (8.27, 11.69)}
SOURCE_LINE = "来源 Source：依据《城区“十三五”规划纲要》(2016–2020) · 示意图 schematic map, not a legal boundary"
_render_lock = threading.Lock()  # matplotlib's font cache and text layout are not thread-safe


@dataclass
class StaticMapInput:
    page: str
    title: str
    frames: dict[str, gpd.GeoDataFrame]        # EPSG:4490 layers by collection
    data_date: str
    demo: bool = False
    unit_kind: str = "admin_units"
    unit_stats: dict = field(default_factory=dict)  # unit id -> (rate, unknown_share)
    markers: list = field(default_factory=list)      # (collection, status, lon, lat)
    undesignated: object | None = None               # shapely geometry in EPSG:4490
    subtitle: str = ""


def _proj(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.to_crs(AREA_EPSG) if len(frame) else frame.set_crs(AREA_EPSG, allow_override=True)


def _zones(ax, frame, handles, alpha=0.45) -> None:
    for code, (zh, _en, colour, hatched) in ZONE_CLASSES.items():
        part = frame[frame["zone_class"] == code]
        if len(part):
            if hatched:
                part.plot(ax=ax, facecolor="white", edgecolor=colour, hatch="////", linewidth=1.2)
            else:
                part.plot(ax=ax, facecolor=colour, alpha=alpha, edgecolor=colour, linewidth=0.8)
        handles.append(Patch(facecolor="white" if hatched else colour, edgecolor=colour,
                             hatch="////" if hatched else None, alpha=1 if hatched else alpha, label=zh))


def _outline(ax, frame, cid, handles=None, **kwargs) -> None:
    style = LAYER_STYLES[cid]
    if not len(frame):
        return
    dashes = {"linestyle": (0, tuple(float(v) for v in style.dash.split()))} if style.dash else {}
    frame.boundary.plot(ax=ax, color=style.colour, linewidth=kwargs.get("linewidth", style.weight * 0.6),
                        **dashes)
    if handles is not None:
        handles.append(Line2D([], [], color=style.colour, linewidth=1.5, label=collection_title(cid), **dashes))


def _fill(ax, frame, cid, handles) -> None:
    style = LAYER_STYLES[cid]
    if len(frame):
        frame.plot(ax=ax, facecolor=style.fill_colour, alpha=max(style.fill_opacity, 0.2),
                   edgecolor=style.colour, linewidth=0.6)
    handles.append(Patch(facecolor=style.fill_colour, edgecolor=style.colour, alpha=0.5, label=collection_title(cid)))


def _status_points(ax, points: gpd.GeoDataFrame, cid: str, size: float = 26) -> None:
    if len(points):
        colours = [status_colour(cid, s) for s in points["status"]]
        points.plot(ax=ax, color=colours, markersize=size, edgecolor=STATUS_MARKER_RING, linewidth=0.5, zorder=5)


def _status_handles(vocabulary, title) -> list:
    return [Line2D([], [], marker="o", linestyle="", markerfacecolor=s.colour, markeredgecolor=STATUS_MARKER_RING,
                   markersize=6, label=f"{title}{s.zh}") for s in vocabulary.values()]


def _draw_overview(ax, data: StaticMapInput, handles) -> None:
    f = {k: _proj(v) for k, v in data.frames.items()}
    _outline(ax, f["admin_context"], "admin_context")
    _zones(ax, f["function_zones"], handles, alpha=0.3)
    for cid in ("agri_areas", "ecology_sites", "urban_village_sites"):
        _fill(ax, f[cid], cid, handles)
    corridors = f["green_corridors"]
    if len(corridors):
        corridors.plot(ax=ax, color=LAYER_STYLES["green_corridors"].colour, linewidth=1.6)
    handles.append(Line2D([], [], color=LAYER_STYLES["green_corridors"].colour, linewidth=2,
                          label=collection_title("green_corridors")))
    _outline(ax, f["sub_areas"], "sub_areas", handles)
    units = f["admin_units"]
    _outline(ax, units[units["level"] != "district"], "admin_units", handles, linewidth=0.8)
    _outline(ax, units[units["level"] == "district"], "admin_units", linewidth=2.2)
    other = f["other_places"]
    if len(other):
        other.plot(ax=ax, color=LAYER_STYLES["other_places"].fill_colour, marker="s", markersize=14,
                   edgecolor="#3E2723", linewidth=0.4, zorder=4)
    handles.append(Line2D([], [], marker="s", linestyle="", markerfacecolor=LAYER_STYLES["other_places"].fill_colour,
                          markeredgecolor="#3E2723", label=collection_title("other_places")))
    _status_points(ax, f["projects"], "projects")
    handles.extend(_status_handles(PROJECT_STATUS, "项目 "))


def _draw_zones(ax, data: StaticMapInput, handles) -> None:
    f = {k: _proj(v) for k, v in data.frames.items()}
    _zones(ax, f["function_zones"], handles)
    zh, en, colour = UNDESIGNATED
    if data.undesignated is not None:
        gpd.GeoSeries([data.undesignated], crs=4490).to_crs(AREA_EPSG).boundary.plot(
            ax=ax, color=colour, linewidth=0.9, linestyle=(0, (4, 3)))
    handles.append(Patch(facecolor="none", edgecolor=colour, linestyle="--", label=f"{zh}（无填充）"))
    eco, rivers = f["ecology_sites"], f["green_corridors"]
    water = eco[eco["category"].isin(WATER_CATEGORIES["ecology_sites"])]
    if len(water):
        water.plot(ax=ax, facecolor=WATER_COLOUR, alpha=0.6, edgecolor=WATER_COLOUR, linewidth=0.8)
    handles.append(Patch(facecolor=WATER_COLOUR, alpha=0.6, label="水库 reservoirs"))
    river_lines = rivers[rivers["category"].isin(WATER_CATEGORIES["green_corridors"])]
    if len(river_lines):
        river_lines.plot(ax=ax, color=WATER_COLOUR, linewidth=1.8)
    handles.append(Line2D([], [], color=WATER_COLOUR, linewidth=2, label="河流 rivers"))
    units = f["admin_units"]
    _outline(ax, units[units["level"] != "district"], "admin_units", handles, linewidth=0.6)
    _outline(ax, units[units["level"] == "district"], "admin_units", linewidth=2.2)


def _draw_progress(ax, data: StaticMapInput, handles) -> None:
    f = {k: _proj(v) for k, v in data.frames.items()}
    units = f[data.unit_kind]
    if data.unit_kind == "admin_units":
        units = units[units["level"] != "district"]
    for _, unit in units.iterrows():
        rate, unknown_share = data.unit_stats.get(unit["id"], (None, None))
        gpd.GeoSeries([unit.geometry], crs=AREA_EPSG).plot(
            ax=ax, facecolor=rate_colour(rate), edgecolor="#546E7A", linewidth=0.8)
        label = "无数据" if rate is None else f"{rate * 100:.0f}%"
        if unknown_share is not None:
            label += f"\n未知 {unknown_share * 100:.0f}%"
        point = unit.geometry.representative_point()
        ax.annotate(f"{unit['name']}\n{label}", (point.x, point.y), ha="center", va="center", fontsize=7,
                    color="#212121", zorder=6,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.7})
    handles.extend(Patch(facecolor=colour, edgecolor="#546E7A", label=f"完成率 {label}")
                   for label, colour in rate_legend())
    district = f["admin_units"][f["admin_units"]["level"] == "district"]
    _outline(ax, district, "admin_units", linewidth=2.2)
    if data.markers:
        points = gpd.GeoDataFrame(
            [{"collection": c, "status": s} for c, s, _, _ in data.markers],
            geometry=gpd.points_from_xy([m[2] for m in data.markers], [m[3] for m in data.markers]),
            crs=4490).to_crs(AREA_EPSG)
        for cid in ("projects", "urban_village_sites"):
            _status_points(ax, points[points["collection"] == cid], cid, size=18)
    handles.extend(_status_handles(PROJECT_STATUS, "项目 "))
    handles.extend(_status_handles(VILLAGE_STATUS, "城中村 "))


DRAW = {"overview": _draw_overview, "zones": _draw_zones, "progress": _draw_progress}


def _north_arrow(ax) -> None:
    ax.annotate("N", xy=(0.95, 0.95), xytext=(0.95, 0.86), xycoords="axes fraction", ha="center",
                va="center", fontsize=12, fontweight="bold",
                arrowprops={"facecolor": "black", "width": 4, "headwidth": 11, "headlength": 10})


def footer_lines(data: StaticMapInput) -> tuple[str, str]:
    """The data-date line and the source line (示意图, plus 演示数据 when demo values show)."""
    footer = f"数据日期 Data date：{data.data_date} · 坐标系 CGCS2000 / 3° GK CM 114E (EPSG:4547)"
    return footer, SOURCE_LINE + (" · 演示数据 DEMO DATA：进展为虚构示例" if data.demo else "")


def render_static_map(data: StaticMapInput, fmt: str = "png", dpi: int = 150,
                      orientation: str = "landscape") -> bytes:
    with _render_lock:
        configure_matplotlib()
        fig = Figure(figsize=A4_INCHES[orientation], dpi=dpi)
        canvas = FigureCanvasPdf(fig) if fmt == "pdf" else FigureCanvasAgg(fig)
        landscape = orientation == "landscape"
        ax = fig.add_axes([0.03, 0.09, 0.66, 0.80] if landscape else [0.05, 0.26, 0.90, 0.64])
        handles: list = []
        DRAW[data.page](ax, data, handles)
        district = data.frames["admin_units"]
        district = district[district["level"] == "district"].to_crs(AREA_EPSG)
        if len(district):
            x0, y0, x1, y1 = district.total_bounds
            pad = 0.04 * max(x1 - x0, y1 - y0)
            ax.set_xlim(x0 - pad, x1 + pad)
            ax.set_ylim(y0 - pad, y1 + pad)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.add_artist(ScaleBar(1, units="m", location="lower left", box_alpha=0.7, length_fraction=0.25))
        _north_arrow(ax)
        fig.suptitle(data.title, fontsize=16, fontweight="bold", y=0.965)
        if data.subtitle:
            fig.text(0.5, 0.915, data.subtitle, ha="center", fontsize=9, color="#455A64")
        legend_box = (0.70, 0.89) if landscape else (0.05, 0.245)
        ax.figure.legend(handles=handles, loc="upper left", bbox_to_anchor=legend_box, fontsize=7,
                         title="图例 Legend", title_fontsize=9, frameon=True,
                         ncol=1 if landscape else 3)
        footer, source = footer_lines(data)
        fig.text(0.03, 0.045, footer, fontsize=7.5, color="#37474F")
        fig.text(0.03, 0.022, source, fontsize=7.5, color="#B71C1C" if data.demo else "#37474F")
        buffer = io.BytesIO()
        canvas.print_figure(buffer, format=fmt, dpi=dpi)
        return buffer.getvalue()
