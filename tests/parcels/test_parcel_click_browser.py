"""A click on a vector-tile parcel opens its popup, in real headless Chromium,
with every request that is not to 127.0.0.1 aborted (an offline intranet)."""
import pytest
from playwright.sync_api import sync_playwright
from gis_service.loader.parcels import load_synthetic_parcels

from ..conftest import cloned_db
from ..live import live_server

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def parcels_url(pg, loaded_template):
    def above_the_tiles_threshold(engine):
        load_synthetic_parcels(engine, 6000, seed=3, progress=False)

    with cloned_db(pg, loaded_template, prepare=above_the_tiles_threshold) as url:
        yield url


def test_click_on_tile_parcel_opens_popup(parcels_url, tmp_path):
    problems: list[str] = []
    with live_server(parcels_url) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 800})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1")
                   else route.abort())
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("requestfailed", lambda r: problems.append(f"failed {r.url}"))
        page.goto(f"{base}/collections/parcels?f=html")
        # The page's CSP forbids eval, so wait on markers the page sets, not on JS predicates.
        page.wait_for_selector("#map[data-loaded='tiles'][data-tiles-loaded]", state="attached")
        page.evaluate("delete document.getElementById('map').dataset.tilesLoaded;"
                      "window.ogcPreviewMap.setView([35.5, 112.85], 16)")
        page.wait_for_selector("#map[data-tiles-loaded]", state="attached")
        page.wait_for_timeout(200)  # let the canvas paint the loaded tiles
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        popup = page.locator(".leaflet-popup-content .feature-popup")
        popup.wait_for(timeout=5000)
        text = popup.inner_text()
        page.screenshot(path=str(tmp_path / "parcel-click.png"))
        browser.close()
    assert "140502" in text  # the parcel's 宗地编码 is shown
    assert problems == []
