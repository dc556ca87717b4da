"""What the printed report says: the input's own attributes, Beijing time to the minute, a legend
with 禁止开发区 hatched, the collection titles, and reasons that name the proposed use."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import shapely

from gis_service.vocab import ZONE_CLASSES, collection_title

from ..maps.conftest import MAP_BASE_URL
from ..conftest import app_client
from .builders import as_4547, to_body

ATTRIBUTES = {"宗地编码": "140502008003GB00417", "权利人": "晋城市城区某机械厂", "土地坐落": "钟家庄街道"}


@pytest.fixture(scope="module")
def map_client(pc_url):
    with app_client(pc_url, base_url=MAP_BASE_URL) as client:
        yield client


def _square_inside(zone_4490, side: float = 60.0):
    """A square round a point well inside the zone (metres, EPSG:4547)."""
    zone = as_4547(zone_4490)
    inner = zone.buffer(-side)
    centre = shapely.Point(shapely.get_coordinates(shapely.point_on_surface(inner if not inner.is_empty else zone))[0])
    return centre.buffer(side / 2, cap_style="square")


@pytest.fixture(scope="module")
def optimized_report(map_client, layers):
    parcel = _square_inside(layers[("function_zones", "optimized")])
    body = {"type": "Feature", "properties": ATTRIBUTES, "geometry": to_body(parcel)}
    before = dt.datetime.now(dt.timezone.utc)
    response = map_client.post("/analysis/parcel-check", json=body,
                               params={"crs": "EPSG:4490", "proposed_use": "industrial"})
    assert response.status_code == 200, response.text
    return response.json(), before


def test_industrial_in_optimized_zone_names_the_use(optimized_report):
    report, _ = optimized_report
    assert report["verdict"]["code"] == "needs_review"  # industrial in 优化开发区 is review in the matrix
    reason = report["verdict"]["reasons"][0]
    assert "拟建用途“工业”" in reason["zh"] and "需论证" in reason["zh"]
    assert "proposed use industrial" in reason["en"]
    assert "→" not in reason["zh"] and "industrial" not in reason["zh"]


def test_report_html_has_attributes_local_time_titles_and_legend(map_client, optimized_report):
    report, before = optimized_report
    html = map_client.get(f"/analysis/parcel-check/{report['id']}", params={"f": "html"}).text
    for key, value in ATTRIBUTES.items():
        assert re.search(rf"<th>{key}</th><td>{value}</td>", html), key
    created = dt.datetime.fromisoformat(report["created_at"]).astimezone(ZoneInfo("Asia/Shanghai"))
    assert created - before.astimezone(ZoneInfo("Asia/Shanghai")) < dt.timedelta(minutes=5)
    shown = re.search(r'<td id="created">([^<]+)</td>', html).group(1)
    assert shown.startswith(created.strftime("%Y-%m-%d %H:%M")) and "北京时间" in shown
    assert report["created_at"] not in html and not re.search(r"\d{2}:\d{2}:\d{2}\.\d{6}", html)
    legend = re.search(r'<div class="report-legend" id="report-legend">(.*?)</details>', html, re.S).group(1)
    for zh, *_ in ZONE_CLASSES.values():
        assert zh in legend
    prohibited = legend[legend.index(ZONE_CLASSES["prohibited"].zh) - 400:legend.index(ZONE_CLASSES["prohibited"].zh)]
    assert "<path" in prohibited  # the hatch strokes of its swatch
    assert collection_title("ecology_sites") == "生态工程与水库" and "生态工程与水库" in legend
    assert "生态与森林公园" not in html and "→" not in html
    assert not re.search(r'<span class="en">(ok|info|review|conflict)</span>', html)  # words, never the codes
    assert "needs justification" in html


@pytest.fixture(scope="module")
def prohibited_report(map_client, layers):
    parcel = _square_inside(layers[("function_zones", "prohibited")])
    response = map_client.post("/analysis/parcel-check", json=to_body(parcel),
                               params={"crs": "EPSG:4490", "proposed_use": "residential"})
    assert response.status_code == 200, response.text
    return response.json()


def test_parcel_map_page_title_verdict_legend_and_hatch(map_client, prohibited_report):
    report = prohibited_report
    assert report["verdict"]["code"] == "non_compliant"
    response = map_client.get(f"/maps/parcel/{report['id']}")
    assert response.status_code == 200
    html = response.text
    assert re.search(r"<title>[^<]*不符合[^<]*</title>", html)
    assert 'id="parcel-verdict" data-verdict="non_compliant"' in html and "<strong>不符合</strong>" in html
    assert 'id="map-legend"' in html and ZONE_CLASSES["prohibited"].zh in html
    assert '<pattern id="hatch-prohibited"' in html
    assert "url(#hatch-prohibited)" in html  # the prohibited zone drawn round the parcel is filled with it
    embedded = map_client.get(f"/maps/parcel/{report['id']}", params={"embed": 1}).text
    assert 'class="map-header"' not in embedded and 'id="parcel-verdict"' in embedded
