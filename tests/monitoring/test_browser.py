"""The monitoring page and the annual report in headless Chromium, offline: no console errors,
nothing fetched off this machine; the PDF carries the indicator table and the caveats."""
from __future__ import annotations

import datetime as dt
import subprocess

import httpx
import pytest

from tests.browser import chromium, offline_page
from tests.live import live_server

YEAR = str(dt.date.today().year)


@pytest.fixture(scope="module")
def base(demo_url, tmp_path_factory):
    with live_server(demo_url, tmp_path_factory.mktemp("monitoring") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _ready(page, problems):
    for _ in range(60):
        if page.get_attribute("html", "data-page-ready") == "1" or problems:
            break
        page.wait_for_timeout(500)
    assert page.get_attribute("html", "data-page-ready") == "1", problems


def test_monitoring_page_offline_with_charts_and_warning_map(browser, base):
    page, problems = offline_page(browser, width=1280, height=900)
    page.goto(f"{base}/monitoring", wait_until="networkidle")
    _ready(page, problems)
    assert page.locator("#demo-notice").is_visible()
    assert page.locator("#chart-trajectory svg").count() == 1 and page.locator("#chart-completion svg").count() == 1
    works = httpx.get(f"{base}/monitoring/works").json()["works"]
    assert page.locator("#kpi-overdue").inner_text() == str(sum(w["overdue"] for w in works))
    markers = page.evaluate("window.monitoring.markers")
    assert markers > 0 and page.locator("path.leaflet-interactive").count() >= markers
    page.select_option("#indicator-choice", index=1)
    assert problems == [], problems


def test_embed_and_filters(browser, base):
    page, problems = offline_page(browser)
    page.goto(f"{base}/monitoring?embed=1&as_of=2020-01-01", wait_until="networkidle")
    _ready(page, problems)
    assert not page.locator("header.top").is_visible()
    assert page.locator("#kpi-overdue").inner_text() == "0"  # the demo plans were recorded later
    assert problems == [], problems
    headers = httpx.get(f"{base}/monitoring?embed=1").headers
    assert "frame-ancestors" in headers["content-security-policy"]
    bad = httpx.get(f"{base}/monitoring", params={"sub_area": "nowhere"})
    assert bad.status_code == 400 and bad.json()["message_zh"] and bad.json()["message"]


def test_report_renders_offline_and_prints(browser, base, tmp_path):
    page, problems = offline_page(browser)
    page.goto(f"{base}/monitoring/report?year={YEAR}", wait_until="networkidle")
    assert page.locator("#indicator-table tbody tr").count() > 30
    assert page.locator("img.map").evaluate("img => img.naturalWidth") > 0
    assert problems == [], problems
    pdf = httpx.get(f"{base}/monitoring/report", params={"year": YEAR, "f": "pdf"}, timeout=120)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for needle in ("主要指标", "地区生产总值", "红黄绿", "示意几何", "演示数据", "说明 Caveats"):
        assert needle in text, needle
