"""Batch: files with some bad rows give results for the good rows and a list of the bad ones,
keep the input's columns, and download as GeoJSON, CSV, GeoPackage and XLSX."""
from __future__ import annotations

import io
import json
import time
import zipfile

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from sqlalchemy import create_engine

from gis_service.errors import GisError
from gis_service.services.parcel_check.file_check import check_file

from .builders import as_4547
from .conftest import TO_4547


def parcels_in(chengqu_4490, n: int, seed: int = 5) -> list:
    rng = np.random.default_rng(seed)
    west, south, east, north = chengqu_4490.bounds
    found = []
    while len(found) < n:
        x, y = rng.uniform(west, east), rng.uniform(south, north)
        box = shapely.box(x, y, x + 0.0008, y + 0.0006)
        if chengqu_4490.contains(box):
            found.append(box)
    return found


def with_bad_rows(parcels: list) -> tuple[list, set[int]]:
    """Ten bad rows of kinds a real file has: self-intersections, nulls, lines, swapped axes."""
    bowtie = shapely.Polygon([(112.85, 35.5), (112.86, 35.51), (112.86, 35.5), (112.85, 35.51)])
    bad = {7: bowtie, 99: None, 150: shapely.LineString([(112.85, 35.5), (112.86, 35.5)]),
           201: shapely.Polygon([(35.5, 112.85), (35.5, 112.86), (35.51, 112.86)]), 333: bowtie,
           420: None, 512: shapely.Point(112.85, 35.5), 640: bowtie, 777: None, 901: bowtie}
    rows = list(parcels)
    for index, geom in bad.items():
        rows[index] = geom
    return rows, {i + 1 for i in bad}


def wait_for(client, job_id: str, timeout_s: float = 120) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/jobs/{job_id}").json()
        if job["state"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {job}")


@pytest.fixture(scope="module")
def gpkg_1000(layers, tmp_path_factory):
    rows, bad = with_bad_rows(parcels_in(layers[("admin_units", "chengqu")], 1000))
    frame = gpd.GeoDataFrame({"宗地编码": [f"140502{i:06d}" for i in range(1000)],
                              "权利人": ["=HYPERLINK(\"x\")" if i == 3 else f"单位{i}" for i in range(1000)],
                              "面积_亩": np.round(np.linspace(1, 50, 1000), 2)},
                             geometry=gpd.GeoSeries(rows, crs=4490))
    path = tmp_path_factory.mktemp("batch") / "宗地.gpkg"
    frame.to_file(path, driver="GPKG", layer="宗地")
    return path, bad


def test_batch_of_1000_with_10_bad_rows(pc_client, gpkg_1000, tmp_path):
    path, bad = gpkg_1000
    response = pc_client.post("/analysis/parcel-check/batch", files={"file": (path.name, path.read_bytes())})
    assert response.status_code == 202, response.text
    assert response.headers["location"].endswith(f"/jobs/{response.json()['id']}")
    job = wait_for(pc_client, response.json()["id"])
    assert job["state"] == "succeeded" and job["percent"] == 100 and job["total"] == 1000
    assert job["result_count"] == 990 and job["error_count"] == 10
    assert {e["row"] for e in job["errors"]} == bad
    assert all(e["reason"] and e["reason_zh"] for e in job["errors"])
    assert sum(job["verdict_counts"].values()) == 990

    results = pc_client.get(f"/jobs/{job['id']}/results", params={"f": "geojson"}).json()
    assert len(results["features"]) == 990
    first = results["features"][0]["properties"]
    assert first["宗地编码"] == "140502000000" and first["verdict"] in ("符合", "需论证", "不符合")
    csv = pc_client.get(f"/jobs/{job['id']}/results", params={"f": "csv"})
    table = pd.read_csv(io.StringIO(csv.content.decode("utf-8-sig")), dtype=str)
    assert len(table) == 990 and list(table.columns[:3]) == ["宗地编码", "权利人", "面积_亩"]
    assert table.loc[table["宗地编码"] == "140502000003", "权利人"].iloc[0].startswith("'=")
    gpkg = tmp_path / "r.gpkg"
    gpkg.write_bytes(pc_client.get(f"/jobs/{job['id']}/results", params={"f": "gpkg"}).content)
    frame = gpd.read_file(gpkg)
    assert len(frame) == 990 and {"宗地编码", "verdict", "worst_hits"} <= set(frame.columns)
    xlsx = pc_client.get(f"/jobs/{job['id']}/results", params={"f": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    sheet = book["初筛结果"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["宗地编码", "权利人", "面积_亩"] and "初筛结论" in headers and "主要命中" in headers
    assert sheet.max_row == 991
    assert book["错误行"].max_row == 11
    assert "初筛结果，不作为法定审查结论" in book["说明"]["A2"].value


def test_unreadable_file_is_a_4xx(pc_client):
    response = pc_client.post("/analysis/parcel-check/batch", files={"file": ("x.gpkg", b"not a geopackage")})
    assert response.status_code == 422 and "x.gpkg" in response.json()["message"]
    unknown = pc_client.post("/analysis/parcel-check/batch", files={"file": ("x.doc", b"hello")})
    assert unknown.status_code == 422
    assert pc_client.get("/jobs/nope").status_code == 404


@pytest.fixture(scope="module")
def engine(pc_url):
    engine = create_engine(pc_url)
    yield engine
    engine.dispose()


def _run(engine, path, out, **options):
    summary = check_file(engine, path, out, **options)
    return summary, out


def test_zipped_gbk_shapefile_csv_wkt_and_dxf(engine, layers, tmp_path):
    parcels = parcels_in(layers[("admin_units", "chengqu")], 20, seed=9)
    frame = gpd.GeoDataFrame({"宗地编码": [f"A{i:03d}" for i in range(20)], "用途": ["住宅"] * 20},
                             geometry=gpd.GeoSeries(parcels, crs=4490))
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    frame.to_file(shp_dir / "zd.shp", encoding="GBK")
    (shp_dir / "zd.cpg").unlink(missing_ok=True)  # no .cpg: the reader must detect GBK
    archive = tmp_path / "zd.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for member in shp_dir.iterdir():
            zf.write(member, member.name)
    summary, out = _run(engine, archive, tmp_path / "zd.geojson")
    assert summary["checked"] == 20 and not summary["errors"]
    assert json.loads(out.read_text())["features"][0]["properties"]["用途"] == "住宅"

    wkt = pd.DataFrame({"地块编号": ["B1", "B2", "B3"],
                        "WKT": [parcels[0].wkt, "POLYGON((1 2, 3 4", parcels[1].wkt]})
    (tmp_path / "p.csv").write_text(wkt.to_csv(index=False), encoding="utf-8")
    summary, _ = _run(engine, tmp_path / "p.csv", tmp_path / "p.xlsx")
    assert summary["checked"] == 2 and [e["row_number"] for e in summary["errors"]] == [2]

    metric = gpd.GeoSeries(parcels[:3], crs=4490).to_crs(4547)
    dxf = gpd.GeoDataFrame({"Layer": ["ZD"] * 3}, geometry=metric.boundary.values, crs=4547)
    dxf.to_file(tmp_path / "zd.dxf", driver="DXF")
    refused = pytest.raises(GisError, check_file, engine, tmp_path / "zd.dxf", tmp_path / "d.csv")
    assert "crs" in str(refused.value).lower()
    summary, out = _run(engine, tmp_path / "zd.dxf", tmp_path / "d.csv", crs="EPSG:4547")
    assert summary["checked"] == 3
    areas = pd.read_csv(out)["area_m2"]
    assert np.allclose(sorted(areas), sorted(as_4547(p).area for p in parcels[:3]), rtol=1e-3)


def test_boundary_point_lists(engine, layers, tmp_path):
    parcels = parcels_in(layers[("admin_units", "chengqu")], 2, seed=11)
    lines = ["宗地编码,点号,X,Y"]
    for n, parcel in enumerate(parcels):
        for k, (x, y) in enumerate(np.asarray(parcel.exterior.coords)[:-1]):
            easting, northing = TO_4547.transform(x, y)
            lines.append(f"1405020{n},J{k + 1},{northing:.3f},{easting + 38_000_000:.3f}")
    (tmp_path / "jzd.csv").write_text("\n".join(lines), encoding="gbk")
    summary, out = _run(engine, tmp_path / "jzd.csv", tmp_path / "jzd.csv.geojson", crs="EPSG:4526")
    assert summary["checked"] == 2
    features = json.loads(out.read_text())["features"]
    assert [f["properties"]["宗地编码"] for f in features] == ["14050200", "14050201"]
    assert abs(features[0]["properties"]["area_m2"] - as_4547(parcels[0]).area) < 0.5

    txt = ["[属性描述]", "坐标系=2000国家大地坐标系", "几度分带=3", "带号=38", "[地块坐标]"]
    for n, parcel in enumerate(parcels):
        coords = np.asarray(parcel.exterior.coords)
        txt.append(f"{len(coords)},0.5,ZD{n},宗地{n},面,,住宅,0701,@")
        for k, (x, y) in enumerate(coords):
            easting, northing = TO_4547.transform(x, y)
            txt.append(f"J{k + 1},1,{northing:.3f},{easting + 38_000_000:.3f}")
    (tmp_path / "jzd.txt").write_text("\n".join(txt), encoding="gbk")
    summary, out = _run(engine, tmp_path / "jzd.txt", tmp_path / "jzd.gpkg")
    assert summary["checked"] == 2 and set(gpd.read_file(out)["地块编号"]) == {"ZD0", "ZD1"}
    xian = (tmp_path / "jzd.txt").read_text(encoding="gbk").replace("2000国家大地坐标系", "1980西安坐标系")
    (tmp_path / "xian.txt").write_text(xian, encoding="gbk")
    with pytest.raises(Exception, match="Xi'an 1980"):
        check_file(engine, tmp_path / "xian.txt", tmp_path / "x.csv")
