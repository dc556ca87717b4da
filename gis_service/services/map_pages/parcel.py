"""``/maps/parcel/{id}``: a stored parcel-check report drawn over its zone context."""
from __future__ import annotations

from sqlalchemy import Connection

from gis_service.maps.base import basemap_hosts
from gis_service.maps.csp import page_policy
from gis_service.maps.parcel_map import render_parcel_map
from gis_service.queries.analysis import map_features
from gis_service.services.parcel_check.check import get_report
from gis_service.settings import Settings

MARGIN_DEG = 0.02  # ~2 km round the parcel: enough to show the 500 m and 2 km screening context


def parcel_map_page(conn: Connection, settings: Settings, report_id: str, *, base: str = "",
                    embed: bool = False) -> tuple[str, str]:
    """The map page's HTML and its Content-Security-Policy (inline scripts allowed by hash)."""
    report = get_report(conn, report_id)
    rows, styles = map_features(conn, report_id, MARGIN_DEG)
    styles = {layer: style for layer, (_title, style) in styles.items()}  # titles come from the vocabulary
    html = render_parcel_map(settings, report, rows, styles, base=base, embed=embed)
    return html, page_policy(html, settings.maps_frame_ancestors, basemap_hosts(settings))
