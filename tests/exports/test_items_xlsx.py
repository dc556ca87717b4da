"""``items?f=xlsx``: the same rows as the GeoJSON for the same filter, bbox and as_of, read back
with openpyxl; bad parameters are still refused with a 400 naming them."""
from __future__ import annotations

import io

import openpyxl
import pytest
import shapely

from ..conftest import app_client, cloned_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BBOX = "112.80,35.45,112.88,35.53"


@pytest.fixture(scope="module")
def client(pg, loaded_template):
    with cloned_db(pg, loaded_template) as url, app_client(url) as c:
        yield c


def sheet_rows(content: bytes) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[1:]]


@pytest.mark.parametrize("params", [
    {"bbox": BBOX},
    {"bbox": BBOX, "filter": "name LIKE '%路%'"},
    {"filter": "category IN ('service', 'education')", "as_of": "2016-06-01"},
])
def test_xlsx_equals_the_geojson_for_the_same_query(client, params):
    geojson = client.get("/collections/projects/items", params={**params, "f": "json", "limit": 1000}).json()
    response = client.get("/collections/projects/items", params={**params, "f": "xlsx"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert 'filename="projects.xlsx"' in response.headers["content-disposition"]
    rows = sheet_rows(response.content)
    features = geojson["features"]
    assert len(features) > 0 and len(rows) == len(features) == geojson["numberMatched"]
    assert [r["id"] for r in rows] == [f["id"] for f in features]
    for row, feature in zip(rows, features):
        for key in ("name", "category", "status", "geometry_quality"):
            assert row[key] == feature["properties"].get(key), (feature["id"], key)
        if feature["geometry"] is None:
            assert row["wkt"] in (None, "")
        else:
            assert shapely.from_wkt(row["wkt"]).equals_exact(shapely.geometry.shape(feature["geometry"]), 1e-6)


def test_xlsx_of_polygons_carries_the_bbox_filter(client):
    every = sheet_rows(client.get("/collections/admin_units/items", params={"f": "xlsx"}).content)
    some = sheet_rows(client.get("/collections/admin_units/items",
                                 params={"f": "xlsx", "bbox": "112.84,35.45,112.87,35.47"}).content)
    assert 0 < len(some) < len(every)
    box = shapely.box(112.84, 35.45, 112.87, 35.47)
    expected = sorted(r["id"] for r in every if shapely.from_wkt(r["wkt"]).intersects(box))
    assert sorted(r["id"] for r in some) == expected


@pytest.mark.parametrize("params, parameter", [
    ({"bbox": "1,2,3"}, "bbox"),
    ({"filter": "nosuchfield = 1"}, "filter"),
    ({"as_of": "2016-13-01"}, "as_of"),
    ({"nosuch": "1"}, "nosuch"),
])
def test_bad_parameters_are_refused_for_xlsx(client, params, parameter):
    response = client.get("/collections/projects/items", params={**params, "f": "xlsx"})
    assert response.status_code == 400, response.text
    body = response.json()
    assert parameter in body["message"] and body["message_zh"] and body["message_zh"] != body["message"]
