"""One vocabulary: every collection title the service shows is the manifest's title.

Checked on the real app over a loaded database: /collections, the three map pages (layer
control, legend, unlocated list), the progress list and item pages, and a parcel-check report
(JSON and HTML). Titles are compared with ``layers/manifest.yml`` read here with plain YAML.
"""
from __future__ import annotations

import html as html_lib
import json
import re

import pytest
import yaml
from fastapi.testclient import TestClient
from shapely.geometry import mapping, shape
from sqlalchemy import create_engine, text

from gis_service.api.app import create_app

from .conftest import LAYERS_DIR, test_settings

MANIFEST = {c["id"]: c["title"] for c in yaml.safe_load((LAYERS_DIR / "manifest.yml").read_text("utf-8"))["collections"]}
PROGRESS = ("projects", "urban_village_sites", "ecology_sites", "green_corridors")
# Titles earlier code spelled for these collections; none may show anywhere.
DRIFTED = ("生态项目与公园", "生态与森林公园", "生态工程<", "生态工程 ", "绿道与廊道", "其他地点")


def zh(cid: str) -> str:
    return MANIFEST[cid]["zh"]


def cells(page: str) -> list[str]:
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)]


@pytest.fixture(scope="module")
def client(pg, loaded_template):
    name, url = pg.clone(loaded_template)
    with TestClient(create_app(test_settings(url)), base_url="http://127.0.0.1") as c:
        c.db_url = url
        yield c
    pg.drop_db(name)


def assert_no_drift(page: str, where: str) -> None:
    for variant in DRIFTED:
        assert variant not in page, (where, variant)


def test_collections_document(client):
    body = client.get("/collections", params={"f": "json"}).json()
    shown = {c["id"]: c["title"] for c in body["collections"]}
    assert set(MANIFEST) <= set(shown)
    assert {cid: shown[cid] for cid in MANIFEST} == {cid: zh(cid) for cid in MANIFEST}
    for cid in MANIFEST:
        one = client.get(f"/collections/{cid}", params={"f": "json"}).json()
        assert one["title"] == zh(cid), cid


@pytest.mark.parametrize("page", ["overview", "progress", "zones"])
def test_map_pages(client, page):
    body = client.get(f"/maps/{page}").text
    config = json.loads(re.search(r'<script type="application/json" id="map-config">(.*?)</script>',
                                  body, re.S).group(1))
    plain = [s for s in config["layers"] if s.get("collection") and s["key"] == s["collection"]]
    assert plain
    for spec in plain:
        assert spec["title"] == zh(spec["collection"]), spec["key"]
    legend = re.search(r'id="map-legend".*?</details>', body, re.S).group(0)
    labels = [html_lib.unescape(x) for x in re.findall(r"<li>.*?<span>([^<]*)</span></li>", legend, re.S)]
    if page == "overview":  # one legend row per drawn layer, titled exactly as the manifest
        for cid in ("admin_units", "sub_areas", "urban_village_sites", "ecology_sites", "green_corridors",
                    "agri_areas", "other_places"):
            assert zh(cid) in labels, (cid, labels)
    for cid, meta in re.findall(r'<li data-collection="([a-z_]+)">.*?<span class="meta">([^<·]+)', body, re.S):
        assert meta.strip() == zh(cid), cid
    assert_no_drift(body, page)


def test_progress_pages(client):
    listing = client.get("/progress").text
    options = dict(re.findall(r'<option value="([a-z_]+)"[^>]*>([^<]+)</option>',
                              listing.split('name="collection"')[1].split("</select>")[0]))
    assert options == {cid: zh(cid) for cid in PROGRESS}
    rows = re.findall(r'<td class="name"><a href="[^"]*/progress/([a-z_]+)/[^"]+">.*?</td>\s*<td>([^<]*)</td>',
                      listing, re.S)
    assert {cid for cid, _ in rows} == set(PROGRESS)
    for cid, title in rows:
        assert title == zh(cid), cid
    assert_no_drift(listing, "/progress")
    engine = create_engine(client.db_url)
    with engine.connect() as conn:
        ids = {cid: conn.execute(text(f"SELECT id FROM {cid} WHERE NOT retired ORDER BY id LIMIT 1")).scalar()
               for cid in PROGRESS}
    engine.dispose()
    for cid, fid in ids.items():
        item = client.get(f"/progress/{cid}/{fid}").text
        assert re.search(r"<h1>.*?<small>(.*?) · ", item, re.S).group(1) == zh(cid), cid
        assert_no_drift(item, cid)


def test_parcel_report(client):
    """A parcel round a reservoir inside the 禁止开发区: hits on zones, ecology and more."""
    engine = create_engine(client.db_url)
    with engine.connect() as conn:
        reservoir = conn.execute(text(
            "SELECT ST_AsGeoJSON(ST_Transform(ST_Buffer(ST_Transform(geom, 4547), 1500), 4490)) "
            "FROM ecology_sites WHERE category = 'reservoir' AND geom IS NOT NULL ORDER BY id LIMIT 1")).scalar()
    engine.dispose()
    body = mapping(shape(json.loads(reservoir)))
    response = client.post("/analysis/parcel-check", json=body, params={"crs": "EPSG:4490"})
    assert response.status_code == 200, response.text
    report = response.json()
    layers = {h["layer"] for h in report["hits"]}
    assert {"function_zones", "ecology_sites"} <= layers
    for h in report["hits"]:
        assert (h["layer_title"], h["layer_title_en"]) == (zh(h["layer"]), MANIFEST[h["layer"]]["en"]), h["layer"]
    page = client.get(f"/analysis/parcel-check/{report['id']}", params={"f": "html"}).text
    shown = cells(page)
    for h in report["hits"]:
        assert zh(h["layer"]) in shown, h["layer"]
    share_rows = re.search(r"<h2>行政单元与片区.*?</table>", page, re.S).group(0)
    kinds = {c for c in cells(share_rows)[::4]}
    assert kinds <= {zh("admin_units"), zh("sub_areas"), zh("function_zones")} and zh("function_zones") in kinds
    assert_no_drift(page, "parcel report")
