"""The OGC API HTML pages and /docs in real headless Chromium, offline: every
request not to 127.0.0.1 is aborted, and none may fail or log an error."""
from __future__ import annotations

import httpx
import pytest

from ..conftest import cloned_db
from ..live import live_server
from . import chromium, offline_page


@pytest.fixture(scope="module")
def base(pg, loaded_template):
    with cloned_db(pg, loaded_template) as url, live_server(url) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser):
    page, problems = offline_page(browser)
    yield page, problems
    page.close()


def test_landing_and_collections_pages(base, page):
    page, problems = page
    page.goto(f"{base}/")  # a browser's Accept prefers HTML: no f= needed
    assert page.locator("h1").inner_text().startswith("城区规划一张图")
    assert page.locator(f"a[href='{base}/qgis/project.qgs']").count() == 1
    page.goto(f"{base}/collections")
    rows = page.locator("table tbody tr")
    expected = httpx.get(f"{base}/collections", timeout=30).json()["collections"]
    assert rows.count() == len(expected)
    assert page.locator(f"a[href='{base}/qgis/project.qgs']").count() == 1
    page.wait_for_load_state("networkidle")
    assert problems == []


def test_collection_page_previews_every_feature(base, page):
    page, problems = page
    doc = httpx.get(f"{base}/collections/function_zones", timeout=30).json()
    page.goto(f"{base}/collections/function_zones")
    assert page.locator("h1").inner_text().startswith(doc["title"])
    page.wait_for_selector("#map[data-loaded]")  # selectors, not eval: pages may forbid eval by CSP
    assert int(page.locator("#map").get_attribute("data-loaded")) == doc["numberMatched"]
    # Every download and the queryables are linked from the page.
    hrefs = page.locator("main a").evaluate_all("els => els.map(a => a.href)")
    for token in ("gpkg", "shp", "kml", "fgb", "csv", "geojsonseq"):
        assert any(f"f={token}" in h for h in hrefs), token
    page.wait_for_load_state("networkidle")
    assert problems == []


def test_items_page_draws_its_features_on_the_leaflet_preview(base, page):
    page, problems = page
    data = httpx.get(f"{base}/collections/projects/items", params={"limit": 20}, timeout=30).json()
    located = [f for f in data["features"] if f["geometry"]]
    assert located, "the first page should hold located projects"
    page.goto(f"{base}/collections/projects/items?f=html&limit=20")
    page.wait_for_selector("#map[data-loaded]")
    assert int(page.locator("#map").get_attribute("data-loaded")) == len(located)
    assert page.locator("table.items tbody tr").count() == data["numberReturned"]
    drawn = page.evaluate("""() => {
        let n = 0;
        window.ogcPreviewMap.eachLayer(l => { if (l instanceof L.CircleMarker) n++; });
        return {markers: n, paths: document.querySelectorAll('#map .leaflet-overlay-pane path').length,
                isMap: window.ogcPreviewMap instanceof L.Map};
    }""")
    assert drawn["isMap"] and drawn["markers"] == len(located) and drawn["paths"] >= len(located)
    page.locator("#map .leaflet-overlay-pane path").first.click(force=True)
    popup = page.locator(".leaflet-popup-content .feature-popup")
    popup.wait_for(timeout=5000)
    assert any(f["id"] in popup.inner_text() for f in located)
    page.locator("a", has_text="下一页 next").click()
    page.wait_for_url("**offset=20**")
    page.wait_for_load_state("networkidle")
    assert problems == []


def test_item_page_renders(base, page):
    page, problems = page
    page.goto(f"{base}/collections/function_zones/items/key")
    page.wait_for_selector("#map[data-loaded='1']")
    assert "key" in page.locator("table").inner_text()
    page.wait_for_load_state("networkidle")
    assert problems == []


def test_swagger_ui_docs_render_offline(base, page):
    page, problems = page
    page.goto(f"{base}/docs")
    page.locator(".swagger-ui .opblock").first.wait_for(timeout=15000)
    summaries = page.locator(".swagger-ui .opblock-summary-path").all_inner_texts()
    assert any("/collections/{collectionId}/items" in s for s in summaries)
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("城区规划一张图")
    page.wait_for_load_state("networkidle")
    assert problems == []
