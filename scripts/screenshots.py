"""Screenshots of the pages for the README: python scripts/screenshots.py [BASE_URL] [OUT_DIR].

Drives the Debian Chromium through Playwright at a desktop (1400×900) and a phone (390×844)
size against a running service (`make run`), with every non-local request blocked as in the
browser tests, and writes PNGs named <page>-<size>.png.
"""
from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlparse

import httpx
from playwright.sync_api import sync_playwright

PAGES = {
    "landing": "/?f=html",
    "overview": "/maps/overview",
    "progress": "/maps/progress",
    "zones": "/maps/zones",
    "monitoring": "/monitoring",
    "warnings": "/monitoring/warnings?f=html",
    "annual-report": "/monitoring/report?year=2020",
    "conflicts": "/analysis/conflicts?f=html",
    "compare": "/maps/compare",
    "site-search": "/maps/site-search",
    "collections": "/collections?f=html",
    "items": "/collections/projects/items?f=html&limit=50",
    "indicators": "/indicators?f=html",
    "progress-list": "/progress",
    "parcel-check": "/analysis/parcel-check?f=html",
}
# A parcel checked first, so its report and map can be shown: a 200 m square in 东街.
SAMPLE_PARCEL = {"type": "Feature", "properties": {"宗地编码": "示例-0001", "权利人": "示例单位"},
                 "geometry": {"type": "Polygon", "coordinates": [[[112.85, 35.50], [112.852, 35.50], [112.852, 35.502],
                                                                  [112.85, 35.502], [112.85, 35.50]]]}}
SIZES = {"desktop": (1400, 900), "phone": (390, 844)}


def main(base: str = "http://127.0.0.1:8000", out: str = "docs/screenshots") -> None:
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    report = httpx.post(f"{base}/analysis/parcel-check", json={**SAMPLE_PARCEL, "proposed_use": "commercial"},
                        timeout=60).json()["id"]
    pages = {**PAGES, "parcel-report": f"/analysis/parcel-check/{report}?f=html", "parcel-map": f"/maps/parcel/{report}"}
    host = urlparse(base).hostname
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for size, (width, height) in SIZES.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.route("**/*", lambda route: route.continue_() if urlparse(route.request.url).hostname == host
                       else route.abort())
            for name, path in pages.items():
                page.goto(base + path, wait_until="networkidle")
                page.wait_for_timeout(800)  # let Leaflet and ECharts finish drawing
                page.screenshot(path=str(target / f"{name}-{size}.png"))
                print(target / f"{name}-{size}.png")
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])
