"""Static map images (PNG/PDF) of the three map pages, from PostGIS."""
from __future__ import annotations

import shapely
from sqlalchemy import Connection

from gis_service.maps.params import MapParams
from gis_service.maps.static_render import StaticMapInput, render_static_map
from gis_service.maps.styles import OVERVIEW_COLLECTIONS
from gis_service.services.map_pages.data import data_state, layer_frames, progress_view, undesignated_geojson
from gis_service.errors import BadParameter
from gis_service.services.progress.history import check_as_of
from gis_service.settings import Settings
from gis_service.vocab import collection_title

TITLES = {"overview": "晋城市城区“十三五”规划总览", "progress": "晋城市城区“十三五”规划实施进展",
          "zones": f"晋城市城区{collection_title('function_zones')}"}
FRAMES = {"overview": OVERVIEW_COLLECTIONS,
          "zones": ("function_zones", "ecology_sites", "green_corridors", "admin_units"),
          "progress": ("admin_units", "sub_areas")}


def static_map(conn: Connection, settings: Settings, page: str, params: MapParams, *, fmt: str = "png",
               dpi: int = 150, orientation: str = "landscape") -> bytes:
    return render_static_map(static_map_input(conn, page, params), fmt=fmt, dpi=dpi, orientation=orientation)


def static_map_input(conn: Connection, page: str, params: MapParams) -> StaticMapInput:
    """Everything a static map shows, read from PostGIS."""
    if params.as_of is not None and page != "progress":
        # These maps draw today's layers; labelling them with a past date would misstate them.
        raise BadParameter("as_of", f"静态{page}地图只显示当前数据，仅进展图支持 as_of",
                           f"the static {page} map draws current data; only the progress map takes as_of")
    check_as_of(conn, params.as_of)
    state = data_state(conn)
    data_date = params.as_of or (state.updated_at.date() if state.updated_at else None)
    data = StaticMapInput(page=page, title=TITLES[page], frames=layer_frames(conn, FRAMES[page]),
                          data_date=data_date.isoformat() if data_date else "—",
                          demo=state.demo and page == "overview")  # zones show no progress
    if page == "progress":
        view = progress_view(conn, params.as_of, params.category, params.zhuanlan)
        data.demo = view.demo
        data.unit_kind = params.by
        data.unit_stats = {s.id: (s.rate, s.unknown_share) for s in view.units[params.by]}
        data.markers = [(i.collection_id, i.status, i.lon, i.lat) for i in view.items if i.lat is not None]
        overall = view.overall
        rate = "无数据" if overall.rate is None else f"{overall.rate * 100:.0f}%"
        filters = " · ".join(v for v in (params.category, params.zhuanlan) if v)
        data.subtitle = (f"{'截至 ' + params.as_of.isoformat() + ' · ' if params.as_of else ''}"
                         f"总完成率 {rate}（已报告 {overall.known}/{overall.total}）"
                         f"{' · 筛选 ' + filters if filters else ''}")
    if page == "zones":
        feature = undesignated_geojson(conn, 0)
        data.undesignated = shapely.geometry.shape(feature["geometry"]) if feature["geometry"] else None
        data.subtitle = "第四章第二节一：优化 / 重点 / 限制 / 禁止开发区；其余区域规划未划定"
    return data
