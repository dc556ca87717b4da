"""The printable report in headless Chromium: the map draws, no console errors, nothing
fetched off this machine; ?f=pdf prints the same page with the verdict in it."""
from __future__ import annotations

import datetime as dt
import subprocess
from zoneinfo import ZoneInfo

import httpx
import pytest

from ..browser import chromium, offline_page
from ..conftest import cloned_db
from ..live import live_server
from .builders import as_4547, half_inside, to_body

ATTRIBUTES = {"宗地编码": "140502001002GB00088", "权利人": "晋城市某置业有限公司"}


@pytest.fixture(scope="module")
def served_report(pg, loaded_template, tmp_path_factory):
    with cloned_db(pg, loaded_template) as url:
        with live_server(url, tmp_path_factory.mktemp("logs") / "server.log") as base:
            import shapely
            from sqlalchemy import create_engine, text

            engine = create_engine(url)
            with engine.connect() as conn:
                zone = shapely.from_wkb(bytes(conn.execute(text(
                    "SELECT ST_AsBinary(geom) FROM function_zones WHERE id = 'prohibited'")).scalar()))
            engine.dispose()
            parcel = half_inside(max(shapely.get_parts(as_4547(zone)), key=lambda g: g.area))
            feature = {"type": "Feature", "properties": ATTRIBUTES, "geometry": to_body(parcel)}
            report = httpx.post(f"{base}/analysis/parcel-check", json=feature,
                                params={"crs": "EPSG:4490"}, timeout=30).json()
            yield base, report


def test_html_report_renders_offline_with_its_map(served_report):
    base, report = served_report
    with chromium() as browser:
        page, problems = offline_page(browser)
        page.goto(f"{base}/analysis/parcel-check/{report['id']}?f=html", wait_until="networkidle")
        assert page.locator("#verdict strong").inner_text() == "不符合"
        frame = page.frame_locator("iframe.map")
        frame.locator(".leaflet-container").wait_for()
        frame.locator("path.leaflet-interactive").first.wait_for()
        assert frame.locator("path.leaflet-interactive").count() >= 3  # zones, units, the parcel
        hatched = frame.locator('path.leaflet-interactive[fill="url(#hatch-prohibited)"]')
        assert hatched.count() >= 1  # 禁止开发区 drawn hatched, as on the zones map
        assert frame.locator("#hatch-prohibited line").count() == 1
        assert page.locator("#report-legend").is_visible() and "禁止开发区" in page.locator("#report-legend").inner_text()
        assert page.locator("table").first.is_visible()
        assert "初筛结果，不作为法定审查结论" in page.content()
        page.emulate_media(media="print")
        assert not page.locator("header.top").is_visible()  # @media print hides the navigation
        assert problems == []


def test_pdf_has_the_verdict(served_report, tmp_path):
    base, report = served_report
    response = httpx.get(f"{base}/analysis/parcel-check/{report['id']}", params={"f": "pdf"}, timeout=90)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf" and response.content.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "不符合" in text and "Non-compliant" in text
    assert report["id"] in text and "初筛结果" in text
    flat = "".join(text.split())
    assert all(value in flat for value in ATTRIBUTES.values())  # the input feature's own attributes
    shown = dt.datetime.fromisoformat(report["created_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert shown.strftime("%Y-%m-%d%H:%M") in flat and "北京时间" in flat
    assert "图例" in flat and "禁止开发区" in flat and "生态工程与水库" in flat
