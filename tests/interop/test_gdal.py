"""GDAL as a real client: Debian's ogrinfo/ogr2ogr (GDAL 3.6, no Part 2) and
pyogrio's bundled GDAL (newer, with OAPIF: Part 2 storageCrs, queryable parameters)."""
from __future__ import annotations

import re
import subprocess
from urllib.parse import parse_qs, urlsplit

import httpx
import numpy as np
import pyogrio
import pytest
import shapely
from sqlalchemy import create_engine, text

from .conftest import access_log

STORAGE_CRS_URI = "http://www.opengis.net/def/crs/EPSG/0/4490"
TOLERANCE_DEG = 1e-7


@pytest.fixture(scope="module")
def stored_geometries(interop_db) -> dict[str, dict[str, shapely.Geometry | None]]:
    """What PostGIS holds (EPSG:4490, lon/lat), per collection and id: the ground truth."""
    engine = create_engine(interop_db)
    out = {}
    with engine.connect() as conn:
        ids = conn.execute(text("SELECT collection_id FROM layer_meta WHERE kind = 'plan'")).scalars().all()
        for cid in ids:
            rows = conn.execute(text(f'SELECT id, ST_AsBinary(geom) AS wkb FROM "{cid}" WHERE NOT retired')).all()
            out[cid] = {str(r.id): None if r.wkb is None else shapely.from_wkb(bytes(r.wkb)) for r in rows}
    engine.dispose()
    return out


def assert_same_geometry(got, expected, label: str) -> None:
    if expected is None:
        assert got is None or got.is_empty, label
        return
    assert got is not None, label
    assert shapely.get_type_id(got) == shapely.get_type_id(expected), label
    a, b = shapely.get_coordinates(got), shapely.get_coordinates(expected)
    assert a.shape == b.shape, label
    assert np.abs(a - b).max() <= TOLERANCE_DEG, (label, np.abs(a - b).max())


def run(*args: str) -> str:
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_debian_ogrinfo_lists_every_collection_with_number_matched(server, catalog):
    assert run("ogrinfo", "--version").startswith("GDAL 3.")
    summary = run("ogrinfo", "-ro", "-so", "-al", f"OAPIF:{server}/")
    counts = dict(re.findall(r"Layer name: (\S+).*?Feature Count: (-?\d+)", summary, flags=re.S))
    assert set(counts) == set(catalog)
    for cid, doc in catalog.items():
        assert int(counts[cid]) == doc["numberMatched"], cid


def test_debian_ogr2ogr_to_geopackage_round_trips_geometry(server, catalog, stored_geometries, tmp_path):
    out = tmp_path / "all.gpkg"
    run("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{server}/")
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert layers == set(catalog)
    for cid, doc in catalog.items():
        frame = pyogrio.read_dataframe(out, layer=cid)
        assert len(frame) == doc["numberMatched"], cid  # every page followed, none twice
        assert frame["id"].is_unique, cid
        expected = stored_geometries[cid]
        assert set(frame["id"].astype(str)) == set(expected), cid
        for fid, geom in zip(frame["id"].astype(str), frame.geometry):
            assert_same_geometry(geom, expected[fid], f"{cid}/{fid}")


def bundled_gdal_version() -> tuple[int, ...]:
    return tuple(int(p) for p in pyogrio.__gdal_version_string__.split(".")[:2])


def test_pyogrio_bundled_gdal_has_oapif_and_part_2():
    # If a future wheel drops OAPIF or goes below 3.7, the Part 2 tests below lose their client.
    assert bundled_gdal_version() >= (3, 7), pyogrio.__gdal_version_string__
    assert "OAPIF" in pyogrio.list_drivers()


def test_pyogrio_honours_storage_crs(server, server_log, catalog, stored_geometries):
    start = server_log.stat().st_size
    source = f"OAPIF:{server}/"
    for cid in ("function_zones", "projects", "green_corridors"):
        assert pyogrio.read_info(source, layer=cid)["crs"] == "EPSG:4490", cid
        frame = pyogrio.read_dataframe(source, layer=cid)
        assert frame.crs.to_epsg() == 4490
        assert len(frame) == catalog[cid]["numberMatched"]
        # The server sends lat, lon for EPSG:4490; GDAL must swap back to lon, lat exactly.
        expected = stored_geometries[cid]
        for fid, geom in zip(frame["id"].astype(str), frame.geometry):
            assert_same_geometry(geom, expected[fid], f"{cid}/{fid}")
    requests = [parse_qs(urlsplit(target).query) for _, target, status in access_log(server_log, start)
                if "/items" in target and status == 200]
    data_pages = [q for q in requests if q.get("limit") != ["20"]]  # GDAL's schema probe is limit=20
    assert data_pages and all(q.get("crs") == [STORAGE_CRS_URI] for q in data_pages), data_pages
    assert all(q["limit"] == ["1000"] for q in data_pages), data_pages


def test_pyogrio_bbox_in_storage_crs_and_queryable_parameter(server, server_log):
    source = f"OAPIF:{server}/"
    box = (112.80, 35.45, 112.90, 35.50)
    start = server_log.stat().st_size
    frame = pyogrio.read_dataframe(source, layer="projects", bbox=box)
    expected = httpx.get(f"{server}/collections/projects/items",
                         params={"bbox": ",".join(map(str, box)), "limit": 1000}, timeout=30).json()
    assert sorted(frame["id"]) == sorted(f["id"] for f in expected["features"])
    assert 0 < len(frame) < 67
    sent = [parse_qs(urlsplit(t).query) for _, t, _ in access_log(server_log, start) if "bbox=" in t]
    assert sent and sent[0]["bbox-crs"] == [STORAGE_CRS_URI]  # lat, lon order on the wire

    start = server_log.stat().st_size
    frame = pyogrio.read_dataframe(source, layer="projects", where="category = 'education'")
    expected = httpx.get(f"{server}/collections/projects/items",
                         params={"filter": "category = 'education'", "limit": 1000}, timeout=30).json()
    assert sorted(frame["id"]) == sorted(f["id"] for f in expected["features"])
    assert len(frame) > 0
    # Pushed to the server as a queryable query parameter (declared style=form in /api).
    assert any("category=education" in t for _, t, _ in access_log(server_log, start))
