"""The set-based batch gives, row by row, what the single check gives for that parcel and use:
the same verdict, the same area (also against shapely in EPSG:4547), the same stored report.
A per-row use column decides each row's verdict; unknown uses are per-row errors."""
from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import mapping
from sqlalchemy import create_engine, text

from .builders import as_4547
from .test_batch import wait_for

VOLATILE = ("id", "created_at", "actor")


def spread_parcels(area_4490, n: int, seed: int) -> list:
    """Boxes of 30–400 m anywhere over the district's extent and a little beyond it, so that
    some fall outside, some straddle zones and units, some lie near rivers and reservoirs."""
    rng = np.random.default_rng(seed)
    west, south, east, north = area_4490.bounds
    pad_x, pad_y = (east - west) * 0.05, (north - south) * 0.05
    xs = rng.uniform(west - pad_x, east + pad_x, n)
    ys = rng.uniform(south - pad_y, north + pad_y, n)
    ws, hs = rng.uniform(0.0003, 0.004, n), rng.uniform(0.0003, 0.004, n)
    return [shapely.box(x, y, x + w, y + h) for x, y, w, h in zip(xs, ys, ws, hs)]


def single(client, geom, properties: dict, crs: str, use: str | None) -> dict:
    params = {"crs": crs, **({"proposed_use": use} if use else {})}
    response = client.post("/analysis/parcel-check", params=params,
                           json={"type": "Feature", "properties": properties, "geometry": mapping(geom)})
    assert response.status_code == 200, response.text
    return response.json()


def without(report: dict) -> dict:
    return {k: v for k, v in report.items() if k not in VOLATILE}


@pytest.fixture(scope="module")
def engine(pc_url):
    engine = create_engine(pc_url)
    yield engine
    engine.dispose()


def submit(client, name: str, content: bytes, **params) -> dict:
    response = client.post("/analysis/parcel-check/batch", params=params, files={"file": (name, content)})
    assert response.status_code == 202, response.text
    return wait_for(client, response.json()["id"], timeout_s=600)


def test_1000_parcels_set_based_equals_single_checks(pc_client, layers, engine, tmp_path):
    parcels = spread_parcels(layers[("admin_units", "chengqu")], 1000, seed=21)
    codes = [f"SB{i:04d}" for i in range(len(parcels))]
    path = tmp_path / "spread.gpkg"
    gpd.GeoDataFrame({"宗地编码": codes}, geometry=gpd.GeoSeries(parcels, crs=4490)).to_file(path, driver="GPKG")
    job = submit(pc_client, path.name, path.read_bytes(), proposed_use="industrial")
    assert job["state"] == "succeeded" and job["result_count"] == 1000 and job["error_count"] == 0

    features = pc_client.get(f"/jobs/{job['id']}/results", params={"f": "geojson"}).json()["features"]
    rows = {f["properties"]["宗地编码"]: f["properties"] for f in features}
    with engine.connect() as conn:
        stored = dict(conn.execute(text("SELECT id, result FROM parcel_check_reports WHERE id = ANY(:ids)"),
                                   {"ids": [r["report_id"] for r in rows.values()]}).all())
    assert len(stored) == 1000
    verdicts = set()
    for code, geom in zip(codes, parcels):
        expected = single(pc_client, geom, {"宗地编码": code}, "EPSG:4490", "industrial")
        row = rows[code]
        assert row["verdict"] == expected["verdict"]["zh"], code
        assert row["area_m2"] == expected["area"]["m2"], code
        assert row["area_m2"] == pytest.approx(as_4547(geom).area, rel=1e-6, abs=0.01)
        # Coordinate hints are the single check's reading of the raw input; a batch row has none.
        assert expected.pop("hints") == [], code
        assert without(stored[row["report_id"]]) == without(expected), code
        verdicts.add(expected["verdict"]["code"])
    assert len(verdicts) >= 3, verdicts  # the sample exercises more than one rule


def zone_parcels(layers, zone: str, n: int, seed: int) -> list:
    """Small boxes centred on points inside one functional zone."""
    polygon = layers[("function_zones", zone)]
    rng = np.random.default_rng(seed)
    west, south, east, north = polygon.bounds
    found = []
    while len(found) < n:
        point = shapely.Point(rng.uniform(west, east), rng.uniform(south, north))
        if polygon.contains(point):
            found.append(shapely.box(point.x - 0.0002, point.y - 0.0002, point.x + 0.0002, point.y + 0.0002))
    return found


# (the row's 用途 value, the use code the single check is asked for); blank takes the request's.
ROW_USES = [("工业", "industrial"), ("居住", "residential"), ("", "commercial"), ("residential", "residential"),
            ("生态保护修复", "ecological"), ("public", "public"), ("商业用地", "commercial"),
            ("农业", "agricultural"), ("基础设施", "infrastructure"), ("住宅", "residential")]


def test_mixed_per_row_uses_decide_each_row(pc_client, layers):
    parcels = [p for zone, seed in (("optimized", 1), ("restricted", 2), ("prohibited", 3), ("key", 4))
               for p in zone_parcels(layers, zone, 5, seed)]
    uses = [ROW_USES[i % len(ROW_USES)] for i in range(len(parcels))]
    table = pd.DataFrame({"宗地编码": [f"M{i:02d}" for i in range(len(parcels))], "用途": [u for u, _ in uses],
                          "WKT": [p.wkt for p in parcels]})
    table.loc[len(table)] = ["BAD-USE", "高尔夫球场", parcels[0].wkt]
    table.loc[len(table)] = ["BAD-WKT", "工业", "POLYGON((1 2, 3 4"]
    job = submit(pc_client, "mixed.csv", table.to_csv(index=False).encode(), proposed_use="commercial")
    assert job["state"] == "succeeded" and job["result_count"] == 20 and job["error_count"] == 2
    errors = {e["row"]: e for e in job["errors"]}
    assert set(errors) == {21, 22}
    assert "高尔夫球场" in errors[21]["reason_zh"] and "用途" in errors[21]["reason_zh"]
    assert "unknown use" in errors[21]["reason"] and "WKT" in errors[22]["reason"]

    csv = pc_client.get(f"/jobs/{job['id']}/results", params={"f": "csv"}).content.decode("utf-8-sig")
    rows = pd.read_csv(io.StringIO(csv), dtype=str, keep_default_na=False).set_index("宗地编码")
    differs = 0
    for i, (geom, (_, use)) in enumerate(zip(parcels, uses)):
        row = rows.loc[f"M{i:02d}"]
        expected = single(pc_client, geom, {}, "CRS84", use)
        assert row["verdict"] == expected["verdict"]["zh"], (i, use, row["verdict"])
        report = pc_client.get(row["report_url"])
        assert report.status_code == 200, row["report_url"]
        opened = report.json()
        assert opened["id"] == row["report_id"] and opened["input"]["proposed_use"] == use
        assert opened["verdict"] == expected["verdict"] and opened["hits"] == expected["hits"]
        assert opened["input"]["properties"]["宗地编码"] == f"M{i:02d}"
        differs += single(pc_client, geom, {}, "CRS84", "commercial")["verdict"] != expected["verdict"]
        html = pc_client.get(row["report_url"], params={"f": "html"})
        assert html.status_code == 200
    assert differs >= 3  # the per-row use, not the request's one, decided those rows
    assert len(set(rows["verdict"])) >= 3


def test_use_column_named_or_refused(pc_client, layers):
    parcels = zone_parcels(layers, "optimized", 2, 7)
    table = pd.DataFrame({"宗地编码": ["U1", "U2"], "规划用途": ["工业", "居住"], "用途": ["居住", "居住"],
                          "WKT": [p.wkt for p in parcels]})
    content = table.to_csv(index=False).encode()
    missing = pc_client.post("/analysis/parcel-check/batch", params={"use_column": "拟用途"},
                             files={"file": ("u.csv", content)})
    assert missing.status_code == 400, missing.text
    body = missing.json()
    assert "拟用途" in body["message"] and body["detail"]["parameter"] == "use_column"
    job = submit(pc_client, "u.csv", content, use_column="规划用途")
    csv = pc_client.get(f"/jobs/{job['id']}/results", params={"f": "csv"}).content.decode("utf-8-sig")
    rows = pd.read_csv(io.StringIO(csv), dtype=str).set_index("宗地编码")
    for code, geom, use in (("U1", parcels[0], "industrial"), ("U2", parcels[1], "residential")):
        assert rows.loc[code, "verdict"] == single(pc_client, geom, {}, "CRS84", use)["verdict"]["zh"]
    assert rows.loc["U1", "proposed_use"] == "工业"
