"""HTML pages for every OGC resource, rendered from Jinja2 templates with
Leaflet served by the service itself (no CDN)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from gis_service import vocab

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.globals["plan_source"] = vocab.plan_source()
    return env


def render(request: Request, template: str, status_code: int = 200, headers: dict | None = None,
           **context) -> HTMLResponse:
    base = str(request.base_url).rstrip("/")
    page = environment().get_template(template).render(base=base, static=f"{base}/static", **context)
    return HTMLResponse(page, status_code=status_code, headers=headers)
