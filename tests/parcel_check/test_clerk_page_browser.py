"""The clerk's parcel-check page (合规性初筛) in headless Chromium, every non-local request blocked:
upload a GeoJSON parcel, draw one through the page's own hook, search past reports by 宗地编码,
run a batch to 100 %. Each verdict shown is compared with the API's answer for the same parcel."""
from __future__ import annotations

import json

import httpx
import pytest
import shapely
import shapely.affinity
from sqlalchemy import create_engine, text

from ..browser import chromium, offline_page
from ..conftest import cloned_db
from ..live import live_server
from .builders import as_4547, to_body

CODE = "140502009001GB00123"


def _inside(zone_4490, side=60.0):
    zone = as_4547(zone_4490)
    inner = zone.buffer(-side)
    return shapely.point_on_surface(inner if not inner.is_empty else zone).buffer(side / 2, cap_style="square")


@pytest.fixture(scope="module")
def served(pg, loaded_template, tmp_path_factory):
    with cloned_db(pg, loaded_template) as url:
        engine = create_engine(url)
        with engine.connect() as conn:
            zones = {row[0]: shapely.from_wkb(bytes(row[1])) for row in conn.execute(text(
                "SELECT id, ST_AsBinary(geom) FROM function_zones WHERE geom IS NOT NULL"))}
        engine.dispose()
        with live_server(url, tmp_path_factory.mktemp("logs") / "server.log") as base:
            yield base, zones


@pytest.fixture
def page(served):
    base, _ = served
    favicon_missing = httpx.get(f"{base}/favicon.ico").status_code == 404
    with chromium() as browser:
        page, problems = offline_page(browser, width=1400, height=900)
        page.goto(f"{base}/analysis/parcel-check?f=html", wait_until="networkidle")
        yield page, problems
        page.wait_for_timeout(300)
        if favicon_missing:  # served by the site chrome, not by this page
            problems[:] = [p for p in problems if "status of 404" not in p]
        assert problems == []


def _api_verdict(base, feature, **params):
    response = httpx.post(f"{base}/analysis/parcel-check", json=feature, params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_upload_geojson_shows_verdict_hits_map_and_report_links(served, page, tmp_path):
    base, zones = served
    page, _ = page
    feature = {"type": "Feature", "properties": {"宗地编码": CODE, "权利人": "晋城市某房地产开发公司"},
               "geometry": to_body(_inside(zones["prohibited"]))}
    path = tmp_path / "parcel.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False))
    page.set_input_files("#parcel-file", str(path))
    page.select_option("#crs", "EPSG:4490")
    page.select_option("#proposed-use", "residential")
    page.click("#check-button")
    page.locator("#result").wait_for(state="visible")
    expected = _api_verdict(base, feature, crs="EPSG:4490", proposed_use="residential")
    assert page.locator("#verdict-text").inner_text() == expected["verdict"]["zh"] == "不符合"
    rows = page.locator("#hits tbody tr")
    assert rows.count() == len(expected["hits"]) > 0
    assert {rows.nth(i).get_attribute("data-severity") for i in range(rows.count())} == \
        {h["severity"] for h in expected["hits"]}
    assert "拟建用途“居住”" in page.locator("#verdict-reasons").inner_text()
    html_link = page.locator("#report-links a", has_text="HTML")
    pdf_link = page.locator("#report-links a", has_text="PDF")
    assert pdf_link.get_attribute("href").endswith("?f=pdf")
    report = httpx.get(html_link.get_attribute("href"), timeout=30)
    assert report.status_code == 200 and CODE in report.text
    page.locator('#map path.leaflet-interactive[stroke="#D50000"]').wait_for()  # the checked parcel on the map


def test_drawn_parcel_through_the_page_hook(served, page):
    base, zones = served
    page, _ = page
    geometry = to_body(_inside(zones["optimized"]))
    page.evaluate("g => window.parcelCheck.setDrawn(g)", geometry)
    assert "已绘制" in page.locator("#drawn-state").inner_text()
    assert page.locator("#map .leaflet-draw-toolbar a.leaflet-draw-draw-polygon").count() == 1
    page.select_option("#proposed-use", "industrial")
    page.click("#check-button")
    page.locator("#result").wait_for(state="visible")
    expected = _api_verdict(base, {"type": "Feature", "properties": {}, "geometry": geometry},
                            crs="EPSG:4490", proposed_use="industrial")
    assert page.locator("#verdict").get_attribute("data-verdict") == expected["verdict"]["code"] == "needs_review"
    assert page.locator("#hits tbody tr").count() == len(expected["hits"])


def test_past_reports_filter_by_parcel_code(served, page):
    base, zones = served
    page, _ = page
    other = {"type": "Feature", "properties": {"宗地编码": "140502009001GB00999"},
             "geometry": to_body(_inside(zones["key"]))}
    mine = {"type": "Feature", "properties": {"宗地编码": CODE}, "geometry": to_body(_inside(zones["key"]))}
    for feature in (other, mine):
        _api_verdict(base, feature, crs="EPSG:4490")
    review = {"type": "Feature", "properties": {}, "geometry": to_body(_inside(zones["optimized"]))}
    assert _api_verdict(base, review, crs="EPSG:4490", proposed_use="industrial")["verdict"]["code"] == "needs_review"
    page.fill("#search-code", "GB00123")
    page.click("#search-form button")
    page.wait_for_function("() => document.querySelectorAll('#past tbody tr').length > 0 && "
                           "[...document.querySelectorAll('#past tbody tr td:nth-child(2)')]"
                           ".every(td => td.textContent.includes('GB00123'))")
    listed = httpx.get(f"{base}/analysis/parcel-check", params={"code": "GB00123", "f": "json"}).json()
    assert page.locator("#past tbody tr").count() == listed["count"] >= 1
    assert all(r["parcel_code"] == CODE for r in listed["reports"])
    page.fill("#search-code", "NO-SUCH-CODE")
    page.click("#search-form button")
    page.wait_for_function("() => document.querySelectorAll('#past tbody tr').length === 0")
    page.fill("#search-code", "")
    page.select_option("#search-verdict", "needs_review")
    page.click("#search-form button")
    page.wait_for_function("() => document.querySelector('#past').dataset.count !== undefined")
    page.wait_for_timeout(300)
    cells = page.locator("#past tbody tr td:nth-child(4)").all_inner_texts()
    assert cells and set(cells) == {"需论证"}


def test_batch_progress_reaches_100(served, page, tmp_path):
    base, zones = served
    page, _ = page
    features = [{"type": "Feature", "properties": {"宗地编码": f"140502009001GB1{i:04d}"},
                 "geometry": to_body(shapely.affinity.translate(_inside(zones["key"], 30), xoff=40 * i))}
                for i in range(12)]
    path = tmp_path / "batch.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    page.set_input_files("#parcel-file", str(path))
    page.select_option("#crs", "EPSG:4490")
    page.click("#batch-button")
    page.locator("#batch").wait_for(state="visible")
    page.wait_for_selector('#batch[data-state="succeeded"]', timeout=60_000)
    assert page.locator("#batch-progress").evaluate("p => p.value") == 100
    assert page.locator("#batch-percent").inner_text() == "100 %"
    job = httpx.get(f"{base}/jobs/{page.locator('#batch-id').inner_text()}").json()
    assert job["state"] == "succeeded" and job["result_count"] == 12
    assert page.locator("#batch-links a").count() >= 1
