"""QGIS 3.22 (Debian python3-qgis) as a real client, headless, in ONE subprocess:

- every collection loads through the OAPIF provider with feature count == numberMatched,
  paged at the page size the OpenAPI ``limit`` component advertises (1000), never 100;
- against a server with a small maximum, QGIS follows ``next`` and gets every feature once;
- each GeoPackage download opens with its default style from ``layer_styles``;
- /qgis/project.qgs opens with every layer valid, styled and grouped.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import create_engine, text

from gis_service.maps.styles import collection_style
from gis_service.vocab import PROJECT_STATUS, ZONE_CLASSES

from ..live import live_server
from .conftest import access_log, api_ids

PROBE = Path(__file__).with_name("qgis_probe.py")
QGIS_PYTHON = "/usr/bin/python3"  # Debian's, where python3-qgis lives; never the venv
SMALL_MAX_LIMIT = 25  # QGIS pages at min(max(1000, default), maximum) = 25 here
SMALL_SERVER_LAYERS = ("projects", "urban_village_sites")  # 67 and 30 features: several pages


@pytest.fixture(scope="module")
def styles(interop_db) -> dict[str, dict]:
    """Each collection's style definition (layer_meta.style through maps.styles.collection_style),
    the source of every QGIS renderer."""
    engine = create_engine(interop_db)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT collection_id, style FROM layer_meta")).all()
    engine.dispose()
    return {row.collection_id: collection_style(row.collection_id, row.style) for row in rows}


def expected_renderer(style: dict) -> str:
    return "categorizedSymbol" if style.get("style_by") and style.get("classes") else "singleSymbol"


def run_probe(spec: dict, workdir: Path) -> dict:
    spec_path = workdir / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    home = workdir / "home"  # a fresh profile and network cache for every run
    home.mkdir(mode=0o700)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_RUNTIME_DIR": str(home),
           "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8"}
    proc = subprocess.run([QGIS_PYTHON, str(PROBE), str(spec_path)], env=env, capture_output=True,
                          text=True, timeout=600)
    marker = "QGIS-PROBE-RESULT "
    lines = [line for line in proc.stdout.splitlines() if line.startswith(marker)]
    assert lines, f"QGIS probe printed no result (rc={proc.returncode}):\n{proc.stderr[-3000:]}"
    result = json.loads(lines[-1][len(marker):])
    assert "error" not in result, result["error"]
    return result


@pytest.fixture(scope="module")
def qgis(interop_db, server, server_log, catalog, tmp_path_factory):
    """Run QGIS once against two servers; return its results and both access logs."""
    workdir = tmp_path_factory.mktemp("qgis")
    small_log = workdir / "small-access.log"
    with live_server(interop_db, log_path=small_log, GIS_DEFAULT_LIMIT="10",
                     GIS_MAX_LIMIT=str(SMALL_MAX_LIMIT)) as small:
        gpkgs = []
        for cid in catalog:
            path = workdir / f"{cid}.gpkg"
            response = httpx.get(f"{server}/collections/{cid}/items", params={"f": "gpkg"}, timeout=60)
            response.raise_for_status()
            path.write_bytes(response.content)
            sld = workdir / f"{cid}.sld"
            sld.write_bytes(httpx.get(f"{server}/collections/{cid}/styles/default", params={"f": "sld11"},
                                      timeout=30).content)
            gpkgs.append({"key": cid, "path": str(path), "sld": str(sld)})
        project = workdir / "project.qgs"
        project.write_bytes(httpx.get(f"{server}/qgis/project.qgs", timeout=30).content)
        start = server_log.stat().st_size  # from here on, only QGIS's own requests
        spec = {"oapif": [{"key": cid, "url": f"{server}/", "typename": cid} for cid in catalog]
                + [{"key": f"small:{cid}", "url": f"{small}/", "typename": cid} for cid in SMALL_SERVER_LAYERS],
                "gpkg": gpkgs, "projects": [str(project)]}
        result = run_probe(spec, workdir)
    result["base"] = server
    result["main_log"] = access_log(server_log, start)
    result["small_log"] = access_log(small_log)
    return result


def items_requests(log, collection_id: str) -> list[dict]:
    path = f"/collections/{collection_id}/items"
    return [parse_qs(urlsplit(target).query) for method, target, status in log
            if method == "GET" and urlsplit(target).path == path and status == 200]


def test_every_collection_loads_with_number_matched(qgis, catalog):
    assert qgis["qgis_version"].startswith("3.22")
    assert {k for k in qgis["oapif"] if not k.startswith("small:")} == set(catalog)
    for cid, doc in catalog.items():
        layer = qgis["oapif"][cid]
        assert layer["valid"], cid
        assert layer["feature_count"] == doc["numberMatched"], cid
        assert len(layer["ids"]) == doc["numberMatched"], cid
        assert len(set(layer["ids"])) == len(layer["ids"]), cid
        assert layer["crs"] == "EPSG:4326"  # 3.22 has no Part 2: it reads CRS84


def test_qgis_pages_at_the_advertised_limit_not_100(qgis, catalog):
    api = httpx.get(f"{qgis['base']}/api", timeout=30).json()
    advertised = api["components"]["parameters"]["limit"]["schema"]
    page_size = min(max(1000, advertised["default"]), advertised["maximum"])
    assert page_size == 1000
    for cid in catalog:
        limits = {q["limit"][0] for q in items_requests(qgis["main_log"], cid) if "limit" in q}
        # QGIS probes the schema with a small page, then downloads at the page size.
        assert str(page_size) in limits, (cid, limits)
        assert "100" not in limits, (cid, limits)


def test_qgis_follows_next_links_at_a_small_maximum(qgis, server):
    for cid in SMALL_SERVER_LAYERS:
        layer = qgis["oapif"][f"small:{cid}"]
        expected = api_ids(server, cid)
        assert layer["valid"]
        assert sorted(layer["ids"]) == sorted(expected), cid  # every feature exactly once
        pages = [q for q in items_requests(qgis["small_log"], cid) if q.get("limit") == [str(SMALL_MAX_LIMIT)]]
        assert len(pages) >= -(-len(expected) // SMALL_MAX_LIMIT), (cid, pages)


def test_geopackage_downloads_open_with_their_default_style(qgis, catalog, styles):
    assert any(expected_renderer(style) == "categorizedSymbol" for style in styles.values())
    for cid, doc in catalog.items():
        layer = qgis["gpkg"][cid]
        assert layer["valid"], cid
        assert layer["default_style_in_db"], cid
        assert layer["feature_count"] == doc["numberMatched"], cid
        assert layer["crs"] == "EPSG:4490", cid
        assert layer["renderer"] == expected_renderer(styles[cid]), cid
    zones = qgis["gpkg"]["function_zones"]
    assert zones["renderer"] == "categorizedSymbol"
    assert zones["class_attribute"] == styles["function_zones"]["style_by"]
    assert set(styles["function_zones"]["classes"]) <= set(zones["categories"])
    class_colors = {c["fill_color"].lower() for c in styles["function_zones"]["classes"].values()}
    assert class_colors <= set(zones["colors"])


def test_sld_styles_load_in_qgis_with_the_chinese_classes(qgis):
    zones = qgis["gpkg"]["function_zones"]["sld"]
    assert zones["ok"], zones["message"]
    assert zones["renderer"] == "RuleRenderer"
    assert {z.zh: z.colour.lower() for z in ZONE_CLASSES.values()}.items() <= zones["rules"].items()
    projects = qgis["gpkg"]["projects"]["sld"]
    assert projects["ok"] and projects["labels_enabled"], projects
    assert {s.zh: s.colour.lower() for s in PROJECT_STATUS.values()}.items() <= projects["rules"].items()


def test_project_file_loads_every_layer_valid_and_styled(qgis, catalog, styles):
    [project] = qgis["projects"]
    assert project["read"]
    assert project["crs"] == "EPSG:3857"
    assert project["ellipsoid"] == "EPSG:1024"  # CGCS2000 measurements
    layers = {info["source"].split("typename='")[1].split("'")[0]: info for info in project["layers"].values()}
    assert set(layers) == set(catalog)
    for cid, info in layers.items():
        assert info["valid"] and info["provider"] == "OAPIF", cid
        assert f"url='{qgis['base']}/'" in info["source"]
        assert info["feature_count"] == info["iterated"] == catalog[cid]["numberMatched"], cid
        assert info["renderer"] == expected_renderer(styles[cid]), cid
    grouped = [layer_id for ids in project["groups"].values() for layer_id in ids]
    assert sorted(grouped) == sorted(project["layers"])
    assert all("\u4e00" <= name[0] <= "\u9fff" for name in project["groups"])  # Chinese group names
    # What the maps show: Chinese classes, status categories, name labels, every small layer on.
    assert layers["function_zones"]["labels"]["prohibited"] == ZONE_CLASSES["prohibited"].zh
    assert {code: layers["projects"]["labels"][code] for code in PROJECT_STATUS} == {
        code: s.zh for code, s in PROJECT_STATUS.items()}
    assert layers["projects"]["class_attribute"] == layers["urban_village_sites"]["class_attribute"] == "status"
    assert {c.lower() for c in (s.colour for s in PROJECT_STATUS.values())} <= set(layers["projects"]["colors"])
    assert all(layers[cid]["label_field"] == "name" for cid in ("function_zones", "projects", "green_corridors"))
    assert all(info["visible"] for info in layers.values())


def test_report_measurements(qgis, catalog, record_property):
    """Not a speed assertion: records what QGIS took, for the report."""
    record_property("qgis_oapif_seconds_all_collections", qgis["oapif_seconds"])
    record_property("qgis_project_seconds", qgis["projects"][0]["seconds"])
    sizes = sorted({q["limit"][0] for cid in catalog for q in items_requests(qgis["main_log"], cid)})
    record_property("qgis_limits_seen", sizes)
    print(f"QGIS: all {len(catalog)} collections in {qgis['oapif_seconds']} s; project "
          f"{qgis['projects'][0]['seconds']} s; limits seen {sizes}")
