"""The CLI as a user runs it: real subprocesses against a real database."""
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import httpx
import pytest
from shapely.geometry import Polygon
from sqlalchemy import text

from gis_service.settings import PROJECT_ROOT

from ..conftest import free_port
from ..live import live_server
from .layer_fixtures import default_layers


def cli(url: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "GIS_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "gis_service.cli", *args], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=120, **kwargs)


def parcels_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"宗地编码": ["140502001001", "140502001002"], "用途": ["住宅用地", "工业用地"],
         "权利人": ["城区北石店镇", "西上庄街道"]},
        geometry=[Polygon([(112.85, 35.50), (112.851, 35.50), (112.851, 35.501), (112.85, 35.50)]),
                  Polygon([(112.86, 35.51), (112.861, 35.51), (112.861, 35.511), (112.86, 35.51)])],
        crs="EPSG:4490",
    )


def write_format(kind: str, directory) -> Path:
    gdf = parcels_frame()
    if kind == "geojson":
        path = directory / "p.geojson"
        gdf.to_file(path, driver="GeoJSON")
    elif kind == "gpkg":
        path = directory / "p.gpkg"
        gdf.to_file(path, driver="GPKG")
    elif kind == "shp-gbk":
        shp_dir = directory / "shp"
        shp_dir.mkdir()
        gdf.to_file(shp_dir / "p.shp", encoding="GBK")
        (shp_dir / "p.cpg").unlink(missing_ok=True)  # as many Chinese shapefiles come: no .cpg
        path = directory / "p.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for member in shp_dir.iterdir():
                zf.write(member, member.name)
    elif kind == "kml":
        path = directory / "p.kml"
        gdf.to_crs(4326).to_file(path, driver="KML")
    elif kind == "csv-wkt":
        path = directory / "p.csv"
        frame = gdf.drop(columns="geometry").assign(wkt=gdf.geometry.to_wkt())
        frame.to_csv(path, index=False, encoding="utf-8")
    elif kind == "csv-lonlat":
        path = directory / "p.csv"
        frame = gdf.drop(columns="geometry").assign(lon=gdf.geometry.centroid.x, lat=gdf.geometry.centroid.y)
        frame.to_csv(path, index=False, encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["geojson", "gpkg", "shp-gbk", "kml", "csv-wkt", "csv-lonlat"])
def test_import_every_format_keeps_chinese_values(kind, migrated_db, engine_for, tmp_path):
    path = write_format(kind, tmp_path)
    result = cli(migrated_db, "import", str(path), "--collection", "my_parcels", "--title", "宗地")
    assert result.returncode == 0, result.stderr
    engine = engine_for(migrated_db)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT properties, ST_SRID(geom) AS srid, ST_X(ST_Centroid(geom)) AS x FROM user_features "
            "WHERE collection_id='my_parcels' ORDER BY feature_id")).all()
        meta = conn.execute(text("SELECT kind, feature_count, title_zh FROM layer_meta "
                                 "WHERE collection_id='my_parcels'")).one()
    assert len(rows) == 2 and meta.feature_count == 2 and meta.kind == "user" and meta.title_zh == "宗地"
    values = [r.properties for r in rows]
    if kind != "kml":  # KML keeps only name/description-like fields plus extended data
        assert {v.get("宗地编码") for v in values} == {"140502001001", "140502001002"}
        assert {v.get("用途") for v in values} == {"住宅用地", "工业用地"}
    assert all(r.srid == 4490 for r in rows)
    assert min(r.x for r in rows) == pytest.approx(112.8505, abs=2e-3)


def test_failed_import_keeps_previous_version_and_prints_one_line(migrated_db, engine_for, tmp_path):
    good = write_format("geojson", tmp_path)
    assert cli(migrated_db, "import", str(good), "--collection", "mine").returncode == 0
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
                   '"geometry": {"type": "Polygon", "coordinates": [[[112.8, 35.5], [112.81, 35.51], '
                   '[112.81, 35.5], [112.8, 35.51], [112.8, 35.5]]]}}]}', "utf-8")
    result = cli(migrated_db, "import", str(bad), "--collection", "mine")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "bad.geojson" in result.stderr
    engine = engine_for(migrated_db)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM user_features WHERE collection_id='mine'")).scalar() == 2


def test_unreachable_database_is_one_clear_line(tmp_path):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gis"
    result = cli(url, "load", "--layers-dir", str(default_layers(tmp_path / "l")))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "database" in result.stderr.lower()


def test_load_and_serve(migrated_db, tmp_path):
    layers = default_layers(tmp_path / "layers")
    loaded = cli(migrated_db, "load", "--layers-dir", str(layers))
    assert loaded.returncode == 0, loaded.stderr
    with live_server(migrated_db) as base:
        response = httpx.get(f"{base}/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json()["collections"]["projects"]["features"] == 2
