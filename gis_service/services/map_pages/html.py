"""Map pages as HTTP needs them: HTML, its CSP and an ETag per data version."""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock

from sqlalchemy import Connection, text

from gis_service import __version__
from gis_service.maps.base import basemap_hosts
from gis_service.maps.csp import page_policy
from gis_service.maps.folium_pages import PageInput, render_page
from gis_service.maps.params import MapParams
from gis_service.maps.styles import OVERVIEW_COLLECTIONS
from gis_service.queries.progress import REVIEW_TIMEZONE, progress_state_sql
from gis_service.services.progress.history import check_as_of
from gis_service.services.map_pages.data import (
    DataState, data_state, progress_days, progress_payload, progress_view, unlocated_items,
)
from gis_service.settings import Settings

UNLOCATED_COLLECTIONS = {
    "overview": list(OVERVIEW_COLLECTIONS),
    "progress": ["projects", "urban_village_sites"],
    "zones": ["function_zones", "ecology_sites", "green_corridors"],
}
STATE_COLLECTIONS = ("projects", "urban_village_sites", "ecology_sites", "green_corridors")


@dataclass(frozen=True)
class RenderedPage:
    html: str
    csp: str
    etag: str


def page_etag(state: DataState, settings: Settings, page: str, params: MapParams, base: str,
              database: str = "") -> str:
    """Changes with the data (every plan layer's data_version), the request and the code."""
    key = "|".join([__version__, database, page, repr(sorted(params.query().items())), base, state.versions,
                    settings.basemap, settings.basemap_url or "", settings.tianditu_key or "",
                    settings.maps_frame_ancestors, settings.root_path])
    return 'W/"map-' + hashlib.sha256(key.encode()).hexdigest()[:24] + '"'


def _states(conn: Connection, params: MapParams) -> dict | None:
    if params.as_of is None:
        return None
    states = {}
    for cid in STATE_COLLECTIONS:
        sql, binds = progress_state_sql(cid, params.as_of)
        states[cid] = {r.id: {"status": r.status, "status_date": r.status_date and r.status_date.isoformat(),
                              "percent_complete": None if r.percent_complete is None else float(r.percent_complete)}
                       for r in conn.execute(text(sql), binds)}
    return states


class _PageCache:
    """Rendered pages by ETag, so a 304 can repeat the cached copy's CSP. Keyed by
    data version, so an entry is never stale; bounded, so memory stays flat."""

    def __init__(self, size: int = 64):
        self.size, self.items, self.lock = size, OrderedDict(), Lock()

    def get(self, etag: str) -> RenderedPage | None:
        with self.lock:
            page = self.items.get(etag)
            if page is not None:
                self.items.move_to_end(etag)
            return page

    def put(self, page: RenderedPage) -> None:
        with self.lock:
            self.items[page.etag] = page
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_cache = _PageCache()


def map_page(conn: Connection, settings: Settings, page: str, params: MapParams, base: str,
             if_none_match: str | None = None) -> tuple[RenderedPage, bool]:
    """The rendered page and whether the client's copy is current (answer 304)."""
    check_as_of(conn, params.as_of)
    state = data_state(conn)
    etag = page_etag(state, settings, page, params, base, str(conn.engine.url))
    cached = _cache.get(etag)
    not_modified = bool(if_none_match) and etag in [t.strip() for t in if_none_match.split(",")]
    if cached is not None:
        return cached, not_modified
    view = progress_view(conn, params.as_of, params.category, params.zhuanlan) if page == "progress" else None
    inp = PageInput(
        page=page, params=params, settings=settings, base=base,
        data_date=params.as_of or (state.updated_at.astimezone(REVIEW_TIMEZONE).date() if state.updated_at else None),
        demo=view.demo if view is not None else (state.demo and page == "overview"),
        unlocated=unlocated_items(conn, UNLOCATED_COLLECTIONS[page]),
        progress=progress_payload(view, base) if view is not None else None, progress_view=view,
        states=_states(conn, params) if page != "progress" else None,
        timeline=progress_days(conn) if page == "progress" else [])
    html = render_page(inp)
    rendered = RenderedPage(html, page_policy(html, settings.maps_frame_ancestors,
                                              basemap_hosts(settings, params.basemap)), etag)
    _cache.put(rendered)
    return rendered, not_modified
