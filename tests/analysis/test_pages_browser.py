"""The analysis pages in offline headless Chromium: no console errors, no non-local requests,
the swipe moves, the table links work, the 框选统计 tool draws and shows a table."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text

from gis_service import vocab
from gis_service.loader.parcels import load_synthetic_parcels
from tests.browser import chromium, offline_page
from tests.live import live_server

TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _ready(page):
    page.wait_for_selector("html[data-map-ready]", state="attached", timeout=60_000)
    return page.get_attribute("html", "data-map-ready")


def _edit_one_project(engine) -> str:
    with engine.begin() as conn:
        fid = conn.execute(text("SELECT id FROM projects WHERE geom IS NOT NULL AND location_basis = 'gazetteer' "
                                "ORDER BY id LIMIT 1")).scalar_one()
        conn.execute(text("UPDATE projects SET status = 'ongoing', version = version + 1 WHERE id = :f"), {"f": fid})
        conn.execute(text(
            "INSERT INTO progress_events (collection_id, feature_id, actor, action, old_values, new_values) "
            "VALUES ('projects', :f, 'test', 'update', '{\"status\": \"unknown\"}', '{\"status\": \"ongoing\"}')"),
            {"f": fid})
    return fid


def test_compare_page_swipe_and_links(browser, loaded_db, engine_for):
    fid = _edit_one_project(engine_for(loaded_db))
    with live_server(loaded_db) as base:
        page, problems = offline_page(browser, width=1200, height=900)
        page.goto(f"{base}/maps/compare?left=2016-06-01&right={TODAY}")
        assert _ready(page) == "1", problems
        assert page.locator("#change-table tbody tr").count() == 1
        left_count = page.evaluate("window.gisCompare.layers.left.getLayers().length")
        assert left_count == page.evaluate("window.gisCompare.layers.right.getLayers().length") > 0
        assert vocab.plan_source() in page.locator(".leaflet-control-attribution").inner_text()
        before = page.evaluate("[window.gisCompare.panes.left.style.clip, window.gisCompare.swipe.position]")
        page.locator("#swipe").fill("20")
        after = page.evaluate("[window.gisCompare.panes.left.style.clip, window.gisCompare.swipe.position]")
        assert after[1] < before[1] and after[0] != before[0]
        centre = page.evaluate("window.gisCompare.map.getCenter().toString()")
        page.locator("#change-table a.zoom").first.click()
        assert page.evaluate("window.gisCompare.zoomed") == f"projects/{fid}"
        assert page.evaluate("window.gisCompare.map.getCenter().toString()") != centre
        href = page.locator("#change-table a.item").first.get_attribute("href")
        assert httpx.get(href).status_code == 200
        assert problems == []
        page.close()


def test_box_statistics_tool_on_a_map_page(browser, loaded_db):
    with live_server(loaded_db) as base:
        page, problems = offline_page(browser, width=1280, height=850)
        page.goto(f"{base}/maps/overview")
        assert _ready(page) == "1", problems
        page.locator(".box-stats-start").click()
        box = page.locator(".folium-map").bounding_box()
        cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        for dx, dy in ((-150, -120), (150, -120), (150, 120), (-150, 120)):
            page.mouse.click(cx + dx, cy + dy)
        drawn = page.evaluate("[window.gisMap.boxStats.drawing, window.gisMap.boxStats.points.length]")
        assert drawn == [True, 4], drawn
        page.locator(".box-stats-finish").click()
        page.wait_for_selector(".box-stats-panel:not([hidden]) > *", state="attached", timeout=30_000)
        page.wait_for_timeout(300)
        assert page.evaluate("window.gisMap.boxStats.error") is None, page.evaluate("window.gisMap.boxStats.error")
        ring = page.evaluate("window.gisMap.boxStats.shape.getLatLngs()[0].map(p => [p.lng, p.lat])")
        assert len(ring) == 4, page.evaluate("window.gisMap.boxStats.points.length")
        shown = page.evaluate("window.gisMap.boxStats.result.groups[0].cells")
        expected = httpx.post(f"{base}/analysis/statistics", json={
            "collections": list(shown), "group_by": "polygon", "measures": ["count", "area_m2", "area_ha", "length_m"],
            "geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]}}).json()["groups"][0]["cells"]
        assert shown == expected
        rows = page.locator(".box-stats-table tr").count()
        assert rows == 1 + len(shown)
        assert page.locator(".box-stats-table a").first.get_attribute("href").endswith("?f=html")
        assert problems == []
        page.close()


def test_site_search_page_and_report(browser, loaded_db, engine_for):
    load_synthetic_parcels(engine_for(loaded_db), 2000, seed=3, progress=False)
    query = "proposed_use=commercial&area_min_m2=1000&area_max_m2=50000&w_key_share=1&w_centre=2&limit=8"
    with live_server(loaded_db) as base:
        page, problems = offline_page(browser, width=1200, height=900)
        page.goto(f"{base}/maps/site-search?{query}")
        assert _ready(page) == "1", problems
        rows = page.locator("#candidate-table tbody tr").count()
        assert rows == page.evaluate("window.gisSites.layer.getLayers().length") > 0
        assert "合成数据" in page.locator(".notice").inner_text()
        first = page.locator("#candidate-table a.zoom").first
        first.click()
        assert page.evaluate("window.gisSites.zoomed") == first.get_attribute("data-feature")
        report = httpx.get(page.locator("#report-link").get_attribute("href"))
        assert report.status_code == 200 and "辅助选址报告" in report.text and "合成数据" in report.text
        assert report.text.count("<tr>") == rows + 1
        assert vocab.plan_source() in page.locator(".leaflet-control-attribution").inner_text()
        assert problems == []
        # No parcel in the area range: the page says why instead of showing an empty table.
        page.goto(f"{base}/maps/site-search?proposed_use=commercial&area_min_m2=1&area_max_m2=2")
        assert _ready(page) == "1", problems
        assert page.locator("#candidate-table").count() == 0
        assert "没有符合条件的候选宗地" in page.locator("#no-candidates").inner_text()
        page.close()
        refused = httpx.get(f"{base}/maps/site-search?proposed_use=industrial&w_centre=near")
        assert refused.status_code == 400 and refused.json()["detail"]["parameter"] == "weights.centre"
