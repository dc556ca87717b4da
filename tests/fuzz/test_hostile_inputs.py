"""The hostile-input corpus (tests/hostile.py) against a real server: every case is a 4xx
with a bilingual reason (or a harmless 2xx for text that is merely odd), never a 5xx; the
database is byte-for-byte unchanged afterwards; nothing outside the web root is served;
and spreadsheet formulas that go in come out neutralised in CSV and XLSX exports."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import socket
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import httpx
import openpyxl
import pytest
from sqlalchemy import create_engine

from .. import hostile
from .conftest import HOSTILE_ENV, SQUARE

SERVER_ENV = HOSTILE_ENV
ITEM_PARAMS = ("filter", "sortby", "properties", "crs", "bbox-crs", "filter-crs", "bbox", "datetime", "name",
               "f", "limit", "offset", "after", "precision", "simplify", "as_of", "filter-lang")


@pytest.fixture(scope="module")
def http(target):
    with httpx.Client(base_url=target.base, headers=target.headers(), timeout=180) as client:
        yield client


@pytest.fixture(scope="module")
def unchanged(target):
    """``with unchanged():`` fails if any data table differs afterwards."""
    engine = create_engine(target.url)

    @contextlib.contextmanager
    def check():
        with engine.connect() as conn:
            before = hostile.db_fingerprint(conn)
        yield
        with engine.connect() as conn:
            after = hostile.db_fingerprint(conn)
        changed = sorted(t for t in before if before[t] != after.get(t))
        assert not changed, f"tables changed by refused requests: {changed}"

    yield check
    engine.dispose()


def refused(response: httpx.Response, *statuses: int) -> dict:
    """A 4xx (one of ``statuses`` when given) whose body says why, in both languages."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    if statuses:
        assert response.status_code in statuses, (response.status_code, response.text[:300])
    body = response.json()
    assert body["code"] and body["message"] and body["message_zh"], body
    return body


def harmless(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.request.url, response.status_code, response.text[:300])
    if response.status_code >= 400:
        refused(response)


def raw_get(base: str, target: str) -> tuple[int, bytes]:
    """Send the request target byte-for-byte: clients normalise '..' away, attackers do not."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def test_sql_injection_in_every_parameter(target, http, unchanged):
    values = hostile.SQL_INJECTION + hostile.SQL_IDENTIFIERS
    with unchanged():
        for value in values:
            for name in ITEM_PARAMS:
                harmless(http.get("/collections/projects/items", params={name: value}))
            for path in (f"/collections/{quote(value, safe='')}", f"/collections/{quote(value, safe='')}/items",
                         f"/collections/projects/items/{quote(value, safe='')}",
                         f"/analysis/parcel-check/{quote(value, safe='')}", f"/jobs/{quote(value, safe='')}"):
                response = http.get(path)
                assert response.status_code in (400, 404), (path, response.status_code)
                refused(response)
            history = http.get(f"/collections/projects/items/{quote(value, safe='')}/history")
            harmless(history)
            assert history.status_code != 200 or history.json()["events"] == []
            harmless(http.get("/maps/overview", params={"layers": value}))
            harmless(http.get("/stats/progress", params={"collection": value}))
            harmless(http.get("/analysis/point", params={"x": 112.85, "y": 35.5, "crs": value}))
        for name, corpus in (("crs", hostile.CRS_VALUES), ("bbox", hostile.BBOX_VALUES),
                             ("datetime", hostile.DATETIME_VALUES), ("filter", hostile.CQL2_FILTERS)):
            for value in corpus:
                harmless(http.get("/collections/projects/items", params={name: value}))
        for value in hostile.MAP_LAYERS:
            harmless(http.get("/maps/overview", params={"layers": value}))
    # An injected OR never widens a result: the literal is a bound parameter.
    everything = http.get("/collections/projects/items", params={"limit": 1}).json()["numberMatched"]
    for value in hostile.SQL_INJECTION[:6]:
        page = http.get("/collections/projects/items", params={"name": value, "limit": 1})
        assert page.status_code == 200 and page.json()["numberMatched"] == 0 < everything


def test_path_traversal_reaches_no_file(target, http, unchanged):
    photo = http.post(f"/collections/projects/items/{target.feature_ids[2]}/photos",
                      files={"file": ("../../../../evil.png", _png(), "image/png")})
    assert photo.status_code == 201, photo.text
    stored = [p for p in target.upload_dir.rglob("*") if p.is_file()]
    assert stored and all(p.resolve().is_relative_to(target.upload_dir.resolve()) for p in stored)
    assert all("evil" not in p.name for p in stored)  # generated names, never the client's
    targets = hostile.TRAVERSAL_TARGETS + [f"/static/{p.relative_to(target.upload_dir)}" for p in stored]
    with unchanged():
        for request_target in targets:
            status, body = raw_get(target.base, request_target)
            assert 400 <= status < 500, (request_target, status)
            assert not any(secret in body for secret in hostile.SECRETS), request_target
            if body.startswith(b"{"):
                assert json.loads(body)["message_zh"], request_target


def test_oversized_bodies_and_vertex_counts_are_413(target, http, unchanged):
    with unchanged():
        refused(http.post("/analysis/parcel-check", content=b" " * (11 * 1024**2)), 413)
        refused(http.post("/analysis/parcel-check", content=hostile.compact_polygon_body(10**6)), 413)
        refused(http.post("/analysis/parcel-check", json=hostile.polygon(150_000)), 413)
        many = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": SQUARE}] * 101}
        refused(http.post("/analysis/parcel-check", json=many), 413)
        item = f"/collections/urban_village_sites/items/{target.village_id}"
        for vertices in (10**6, 150_000):  # over the body cap, then under it but over the vertex cap
            feature = {"type": "Feature", "properties": {}, "geometry": hostile.polygon(vertices)}
            refused(http.patch(item, json=feature), 413)
        refused(http.post("/analysis/parcel-check/batch", content=b"x" * (9 * 1024**2),
                          params={"filename": "big.geojson"}), 413)
        # A Content-Length that promises gigabytes is refused before anything is read.
        with socket.create_connection((urlsplit(target.base).hostname, urlsplit(target.base).port)) as sock:
            sock.sendall(b"POST /analysis/parcel-check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 10000000000\r\nConnection: close\r\n\r\n{")
            assert sock.recv(4096).split(b" ")[1] == b"413"


def test_malformed_json_bodies(target, http, unchanged):
    write = f"/collections/projects/items/{target.feature_ids[0]}"
    bodies = [hostile.deep_nesting(100_000), b"{\"progress_note\": \"\xff\xfe\"}", b"\xff\xfe\x00{",
              b'{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [NaN, 1]}}',
              b'{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [Infinity, 1]}}',
              b'{"progress_note": "a\\u0000b"}', b'{"properties": [1, 2], "type": "Feature"}', b"[" * 50_000]
    json_headers = {"Content-Type": "application/json"}
    with unchanged():
        for body in bodies + hostile.GEOMETRY_BODIES:
            refused(http.post("/analysis/parcel-check", content=body, headers=json_headers))
            refused(http.patch(write, content=body, headers=json_headers))
            refused(http.put(write, content=body, headers=json_headers))
            refused(http.post("/indicators/1/actuals", content=body, headers=json_headers))
            refused(http.post("/keys", content=body, headers={**json_headers, **target.headers("admin")}))
        outside = {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [0, 0]}}
        refused(http.patch(write, json=outside, headers={"Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/4526>"}))
        for value in ("NaN", "Infinity", "-Infinity", "1e400"):
            refused(http.post("/indicators/1/actuals", content=f'{{"year": 2018, "value": {value}}}',
                              headers=json_headers), 422)
        refused(http.post("/progress/import", files={"file": ("s.csv", b"id,status\n\xff\xfe\xfd,ongoing\n", "text/csv")}))
        refused(http.post("/analysis/parcel-check/batch", params={"filename": "p.geojson"},
                          content=b'{"type": "FeatureCollection", "features": [\xff\xfe]}'))


def test_zip_bombs_zip_slip_and_photos(target, http, unchanged):
    bomb, slip = hostile.zip_bomb(600), hostile.zip_slip()
    with unchanged():
        body = refused(http.post("/analysis/parcel-check/batch", files={"file": ("parcels.zip", bomb, "application/zip")}))
        assert "200" in body["message"]  # refused as a bomb, not after inflating it
        refused(http.post("/analysis/parcel-check/batch", files={"file": ("parcels.zip", slip, "application/zip")}))
        refused(http.post("/progress/import", files={"file": ("sheet.xlsx", bomb, "application/octet-stream")}))
        photos = f"/collections/projects/items/{target.feature_ids[0]}/photos"
        refused(http.post(photos, files={"file": ("big.jpg", b"\xff\xd8\xff" + b"\0" * (2 * 1024**2), "image/jpeg")}))
        for name, data in (("x.jpg", b"<html><script>alert(1)</script>"), ("x.svg", b"<svg onload='alert(1)'/>"),
                           ("x.png", slip), ("x.jpg", b"")):
            refused(http.post(photos, files={"file": (name, data, "image/jpeg")}))
    assert not any(Path(p).exists() for p in ("/tmp/gis-zip-slip.geojson", "/tmp/gis-zip-slip-abs.geojson"))


def test_formulas_come_out_neutralised(target, http):
    fid = target.feature_ids[3]
    formula = hostile.FORMULAS[0]
    sheet = "id,status,progress_note,approval_no\n" + f'{fid},ongoing,"{formula}",@SUM(1;2)\n'
    imported = http.post("/progress/import", files={"file": ("progress.csv", sheet.encode(), "text/csv")})
    assert imported.status_code == 200, imported.text
    exported = http.get("/collections/projects/items", params={"f": "csv", "id": fid})
    row = next(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert row["progress_note"] == "'" + formula and row["approval_no"] == "'@SUM(1;2)"
    book = openpyxl.load_workbook(io.BytesIO(http.get("/collections/projects/items",
                                                      params={"f": "xlsx", "id": fid}).content))
    header, values = list(book.active.iter_rows(values_only=True))[:2]
    cell = dict(zip(header, values))
    assert cell["progress_note"] == "'" + formula and cell["approval_no"] == "'@SUM(1;2)"
    assert all(c.data_type != "f" for row in book.active.iter_rows() for c in row)

    lines = [["编号", "=HYPERLINK(\"http://evil.example\",\"x\")", "wkt"]]
    lines += [[cell, cell, "POLYGON((112.85 35.5, 112.852 35.5, 112.852 35.5015, 112.85 35.5015, 112.85 35.5))"]
              for cell in hostile.FORMULAS]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    job = http.post("/analysis/parcel-check/batch", files={"file": ("parcels.csv", buffer.getvalue().encode(), "text/csv")})
    assert job.status_code == 202, job.text
    deadline = time.monotonic() + 120
    while http.get(f"/jobs/{job.json()['id']}").json()["state"] not in ("succeeded", "failed") \
            and time.monotonic() < deadline:
        time.sleep(0.3)
    cells = []
    as_csv = http.get(f"/jobs/{job.json()['id']}/results", params={"f": "csv"})
    cells += [c for row in csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))) for c in row]
    book = openpyxl.load_workbook(io.BytesIO(http.get(f"/jobs/{job.json()['id']}/results", params={"f": "xlsx"}).content))
    cells += [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert any(c.startswith("'=cmd") for c in cells), cells[:20]
    dangerous = [c for c in cells if c.startswith(hostile.FORMULA_TRIGGERS) and not _is_number(c)]
    assert not dangerous, dangerous


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()
