"""HTML pages for every OGC resource, rendered from Jinja2 templates with
Leaflet served by the service itself (no CDN)."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gis_service import vocab
from gis_service.queries.progress import REVIEW_TIMEZONE as LOCAL_TZ  # every time a user reads is local
from gis_service.vocab import BASIS_LABELS, QUALITY_LABELS, class_label, statuses

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def local_time(value) -> str:
    """An ISO timestamp with a zone as Asia/Shanghai local time to the minute; anything else unchanged."""
    if isinstance(value, str) and len(value) > 19 and "T" in value:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    return value


def table_cell(value, name: str, collection_id: str) -> str:
    """A feature-table cell: codes with their Chinese label first, times in local time."""
    if value is None:
        return ""
    labels = {"geometry_quality": QUALITY_LABELS, "location_basis": BASIS_LABELS}.get(name)
    if labels and value in labels:
        return f"{labels[value]} ({value})"
    if name in ("category", "zone_class") and class_label(name, value) != value:
        return f"{class_label(name, value)} ({value})"
    if name == "status" and value in statuses(collection_id):
        return f"{statuses(collection_id)[value].zh} ({value})"
    return str(local_time(value))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.globals["plan_source"] = vocab.plan_source()
    env.filters.update(local_time=local_time, table_cell=table_cell)
    return env


def render(request: Request, template: str, status_code: int = 200, headers: dict | None = None,
           **context) -> HTMLResponse:
    base = str(request.base_url).rstrip("/")
    page = environment().get_template(template).render(base=base, static=f"{base}/static", **context)
    return HTMLResponse(page, status_code=status_code, headers=headers)
