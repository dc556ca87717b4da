"""Downloads keep their types: GDAL reads numbers as numbers and dates as dates in every format."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
import pyogrio
import pytest

from ..progress.conftest import bearer, db, keys, make_client  # noqa: F401  (fixtures)

NUMBERS = ("percent_complete", "investment_planned_wan", "investment_completed_wan")


@pytest.fixture
def reported(make_client, keys, db):
    """One project with progress reported through the API (the rest keep nulls)."""
    client = make_client()
    fid = db("SELECT id FROM projects ORDER BY id LIMIT 1")[0][0]
    path = f"/collections/projects/items/{fid}"
    r = client.patch(path, json={"status": "ongoing", "percent_complete": 42.5, "status_date": "2020-06-30",
                                 "investment_planned_wan": 1234.25},
                     headers={**bearer(keys["editor"]), "If-Match": client.get(path).headers["etag"]})
    assert r.status_code == 200, r.text
    return client, fid


def field_types(path, layer=None) -> dict[str, str]:
    info = pyogrio.read_info(path, layer=layer)
    return dict(zip(info["fields"], info["dtypes"]))


@pytest.mark.parametrize("fmt,suffix", [("gpkg", "gpkg"), ("fgb", "fgb"), ("shp", "shp.zip")])
def test_ogr_formats_have_typed_fields(reported, fmt, suffix, tmp_path):
    client, fid = reported
    r = client.get("/collections/projects/items", params={"f": fmt})
    assert r.status_code == 200
    path = tmp_path / f"projects.{suffix}"
    path.write_bytes(r.content)
    types = field_types(path)
    for name in NUMBERS if fmt != "shp" else ("percent_co", "investment", "investme_1"):
        assert types[name] == "float64", (fmt, name, types[name])
    # FlatGeobuf has no date-only column type: GDAL stores a Date as a DateTime at midnight.
    expected = "datetime64[ms]" if fmt == "fgb" else "datetime64[D]"
    assert types["status_dat" if fmt == "shp" else "status_date"] == expected, types
    frame = pyogrio.read_dataframe(path)
    row = frame[frame["id"] == fid].iloc[0]
    pct = "percent_co" if fmt == "shp" else "percent_complete"
    date_col = next(c for c in frame.columns if c.startswith("status_da"))
    assert row[pct] == 42.5 and pd.Timestamp(row[date_col]).date() == dt.date(2020, 6, 30)
    assert frame[pct].isna().sum() == len(frame) - 1  # nulls stay null, not 0


@pytest.mark.parametrize("encoding,ldid", [("GBK", 0x4D), ("UTF-8", None)])
def test_shapefile_language_byte_matches_encoding(reported, encoding, ldid):
    client, _ = reported
    r = client.get("/collections/projects/items", params={"f": "shp", "encoding": encoding})
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        dbf = zf.read(next(n for n in zf.namelist() if n.endswith(".dbf")))
        cpg = zf.read(next(n for n in zf.namelist() if n.endswith(".cpg"))).decode()
    assert cpg == encoding
    if ldid is not None:
        assert dbf[29] == ldid
    else:  # no LDID names UTF-8: 0 tells readers to look at .cpg, never a wrong code page
        assert dbf[29] == 0


def test_csv_values_are_typed(reported):
    client, fid = reported
    text = client.get("/collections/projects/items", params={"f": "csv"}).content.decode("utf-8-sig")
    table = pd.read_csv(io.StringIO(text), dtype={"id": str})
    row = table[table["id"] == fid].iloc[0]
    assert row["percent_complete"] == 42.5 and row["status_date"] == "2020-06-30"
    assert pd.api.types.is_float_dtype(table["investment_planned_wan"])
