"""/qgis/project.qgs and download headers over real HTTP (the QGIS run itself is in test_qgis.py)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx
import pyogrio

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


def test_project_file_is_linked_and_lists_every_collection(server, catalog):
    href = f"{server}/qgis/project.qgs"
    landing = httpx.get(f"{server}/", params={"f": "json"}, timeout=30).json()
    listing = httpx.get(f"{server}/collections", params={"f": "json"}, timeout=30).json()
    for doc in (landing, listing):
        assert any(link["href"] == href and link["type"] == "application/x-qgis-project" for link in doc["links"])
    response = httpx.get(href, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-qgis-project")
    assert "chengqu_plan.qgs" in response.headers["content-disposition"]
    root = ET.fromstring(response.text.split("\n", 1)[1])  # past the DOCTYPE line
    sources = {layer.findtext("datasource") for layer in root.iter("maplayer")}
    assert {layer.findtext("provider") for layer in root.iter("maplayer")} == {"OAPIF"}
    for cid in catalog:
        assert any(f"typename='{cid}'" in s and f"url='{server}/'" in s for s in sources), cid
    again = httpx.get(href, headers={"If-None-Match": response.headers["etag"]}, timeout=30)
    assert again.status_code == 304


def test_downloads_declare_their_own_crs(server, tmp_path):
    items = f"{server}/collections/projects/items"
    kml = httpx.get(items, params={"f": "kml"}, timeout=60)
    assert kml.headers["content-crs"] == f"<{EPSG}4326>"
    # A file is written in its format's CRS whatever crs= asked for; the header says which.
    gpkg = httpx.get(items, params={"f": "gpkg", "crs": f"{EPSG}4547"}, timeout=60)
    assert gpkg.headers["content-crs"] == f"<{EPSG}4490>"
    path = tmp_path / "projects.gpkg"
    path.write_bytes(gpkg.content)
    assert pyogrio.read_info(path, layer="projects")["crs"] == "EPSG:4490"
    seq = httpx.get(items, params={"f": "geojsonseq", "crs": f"{EPSG}4547"}, timeout=60)
    assert seq.headers["content-crs"] == f"<{EPSG}4547>"


def test_empty_download_keeps_the_declared_geometry_type(server, tmp_path):
    response = httpx.get(f"{server}/collections/projects/items",
                         params={"f": "gpkg", "filter": "id = 'no-such-project'"}, timeout=60)
    assert response.status_code == 200
    path = tmp_path / "empty.gpkg"
    path.write_bytes(response.content)
    info = pyogrio.read_info(path, layer="projects")
    assert info["features"] == 0 and info["geometry_type"] == "Point"
