"""Map pages over HTTP: offline assets, CSP by hash, ETag/304, parameters, page weight."""
from __future__ import annotations

import re

import pytest

from gis_service.maps.cdn import unknown_external_urls
from gis_service.maps.csp import inline_hashes

from ..conftest import app_client
from .conftest import MAP_BASE_URL

PAGES = ("overview", "progress", "zones")


def _config(html: str) -> dict:
    import json

    block = re.search(r'<script type="application/json" id="map-config">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


@pytest.mark.parametrize("page", PAGES)
def test_page_is_offline_and_hash_allowed(demo_client, page):
    response = demo_client.get(f"/maps/{page}")
    assert response.status_code == 200
    html = response.text
    assert unknown_external_urls(html) == []
    csp = response.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'self'" in csp
    scripts, styles = inline_hashes(html)
    assert scripts and all(h in csp for h in scripts + styles)
    # Folium's inline script is the only executable inline code; data rides in a JSON block.
    config = _config(html)
    assert config["page"] == page and config["layers"]
    for spec in config["layers"]:
        assert spec["url"] is None or spec["url"].startswith("http://127.0.0.1/")


def test_overview_is_light_and_loads_data_from_the_api(demo_client):
    html = demo_client.get("/maps/overview").text
    assert len(html.encode()) < 1_000_000
    urls = [spec["url"] for spec in _config(html)["layers"]]
    assert any("/collections/projects/items?f=json" in u and "precision=6" in u for u in urls)
    assert any("/collections/function_zones/items" in u and "simplify=" in u for u in urls)
    assert '"coordinates"' not in html  # no GeoJSON geometry inlined


def test_same_request_same_bytes_and_304(demo_client):
    first = demo_client.get("/maps/progress")
    second = demo_client.get("/maps/progress")
    assert first.text == second.text
    assert first.headers["etag"] == second.headers["etag"]
    cached = demo_client.get("/maps/progress", headers={"If-None-Match": first.headers["etag"]})
    assert cached.status_code == 304 and cached.content == b""
    assert cached.headers["content-security-policy"] == first.headers["content-security-policy"]
    other = demo_client.get("/maps/progress?by=sub_areas")
    assert other.headers["etag"] != first.headers["etag"]


def test_etag_changes_with_the_data(loaded_db, engine_for):
    from sqlalchemy import text

    with app_client(loaded_db, base_url=MAP_BASE_URL) as client:
        before = client.get("/maps/overview").headers["etag"]
        with engine_for(loaded_db).begin() as conn:
            conn.execute(text("UPDATE projects SET status = 'ongoing' WHERE id = 'wan-da-guang-chang'"))
        after = client.get("/maps/overview", headers={"If-None-Match": before})
        assert after.status_code == 200 and after.headers["etag"] != before


def test_embed_has_no_chrome_but_keeps_the_legend(demo_client):
    full = demo_client.get("/maps/overview").text
    embed = demo_client.get("/maps/overview?embed=1").text
    assert 'class="map-header"' in full and 'id="map-panel"' in full
    assert 'class="map-header"' not in embed and 'id="map-panel"' not in embed
    assert 'id="map-legend"' in embed and 'id="demo-banner"' in embed


def test_frame_ancestors_setting(demo_url):
    with app_client(demo_url, base_url=MAP_BASE_URL,
                    maps_frame_ancestors="'self' https://portal.example.gov.cn") as client:
        csp = client.get("/maps/zones?embed=1").headers["content-security-policy"]
    assert "frame-ancestors 'self' https://portal.example.gov.cn" in csp


def test_basemap_none_has_no_tiles_and_tianditu_pairs_layers(demo_url):
    with app_client(demo_url, base_url=MAP_BASE_URL, tianditu_key="abc123browserkey") as client:
        none = client.get("/maps/overview").text
        assert "L.tileLayer" not in none and "tianditu.gov.cn" not in none
        assert "GIS_TIANDITU_KEY" in none  # the note on how to enable 天地图
        response = client.get("/maps/overview?basemap=tianditu")
    html = response.text
    for layer in ("vec", "cva", "img", "cia"):
        assert f"LAYER={layer}" in html
    assert "tk=abc123browserkey" in html
    assert "https://*.tianditu.gov.cn" in response.headers["content-security-policy"]
    assert "webapi.amap.com" not in html and "autonavi" not in html


def test_custom_xyz_basemap(demo_url):
    with app_client(demo_url, base_url=MAP_BASE_URL, basemap="custom",
                    basemap_url="https://tiles.intranet.local/{z}/{x}/{y}.png") as client:
        response = client.get("/maps/zones")
    assert "https://tiles.intranet.local/{z}/{x}/{y}.png" in response.text
    assert "https://tiles.intranet.local" in response.headers["content-security-policy"]


@pytest.mark.parametrize("query", ["bbox=1,2,3", "center=100,200", "zoom=40", "basemap=gaode",
                                   "as_of=2020-13-01", "by=county", "layers=projects,nope"])
def test_bad_parameters_are_400(demo_client, query):
    page = "overview" if "layers" not in query else "overview"
    response = demo_client.get(f"/maps/{page}?{query}")
    assert response.status_code == 400, response.text
    assert response.json()["message_zh"]


def test_view_and_layers_parameters(demo_client):
    html = demo_client.get("/maps/overview?layers=projects,function_zones&center=35.49,112.85&zoom=14").text
    assert "[35.49, 112.85]" in html and '"zoom": 14' in html
    config = _config(html)
    shown = [s["key"] for s in config["layers"]]
    assert "admin_context" in shown  # every layer exists in the control; unselected ones start hidden
    hidden = re.findall(r"(feature_group_\d+)\.remove\(\);", html)
    groups = {s["key"]: s["group"] for s in config["layers"]}
    assert groups["projects"] not in hidden and groups["admin_context"] in hidden
    assert "fitBounds" in demo_client.get("/maps/zones?bbox=112.8,35.45,112.9,35.55").text


def test_undesignated_remainder(demo_client):
    feature = demo_client.get("/maps/zones/undesignated.geojson").json()
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert feature["properties"]["area_m2"] > 1_000_000


def test_landing_page_links_the_maps(demo_client):
    html = demo_client.get("/?f=html").text
    assert "/maps/overview" in html and "/maps/progress" in html and "/maps/zones" in html
