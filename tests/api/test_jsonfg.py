"""f=jsonfg: JSON-FG 1.0 documents, validated against the official schemas (vendored, offline)."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from pyproj import Transformer
from referencing import Registry, Resource

from ..progress.conftest import bearer, db, keys, make_client  # noqa: F401  (fixtures)

SCHEMAS = Path(__file__).parent.parent / "schemas" / "jsonfg"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validate(document: dict, schema: str) -> None:
    for name in (schema, "jsonfg-root-object.json"):
        root = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
        validator = jsonschema.Draft202012Validator(root, registry=REGISTRY)
        errors = sorted(validator.iter_errors(document), key=lambda e: e.path)
        assert not errors, (name, errors[0].message[:300], list(errors[0].path))


def first_coordinate(geometry: dict) -> list[float]:
    coords = geometry["coordinates"]
    while isinstance(coords[0], list):
        coords = coords[0]
    return coords


@pytest.mark.parametrize("collection", ["projects", "urban_village_sites", "green_corridors"])
def test_gauss_kruger_place_is_northing_easting(client, collection):
    r = client.get(f"/collections/{collection}/items", params={"f": "jsonfg", "crs": f"{EPSG}4547", "limit": 50})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.ogc.fg+json")
    assert r.headers["content-crs"] == f"<{EPSG}4547>"
    doc = r.json()
    validate(doc, "featurecollection.json")
    assert doc["coordRefSys"] == f"{EPSG}4547" and doc["numberMatched"] >= len(doc["features"]) > 0
    to_gk = Transformer.from_crs("OGC:CRS84", "EPSG:4547", always_xy=True)
    located = [f for f in doc["features"] if f["geometry"]]
    assert located
    for feature in located:
        assert feature["place"]["type"] == feature["geometry"]["type"]
        lon, lat = first_coordinate(feature["geometry"])
        easting, northing = to_gk.transform(lon, lat)
        n, e = first_coordinate(feature["place"])
        assert abs(n - northing) < 0.05 and abs(e - easting) < 0.05, (feature["id"], n, e, northing, easting)
        assert 3_800_000 < n < 4_100_000 and 200_000 < e < 600_000  # northing first, in metres
        assert -180 <= lon <= 180 and -90 <= lat <= 90  # geometry stays CRS84


def test_cgcs2000_place_is_latitude_first(client):
    doc = client.get("/collections/projects/items", params={"f": "jsonfg", "crs": f"{EPSG}4490"}).json()
    validate(doc, "featurecollection.json")
    assert doc["coordRefSys"] == f"{EPSG}4490"
    feature = next(f for f in doc["features"] if f["geometry"])
    lon, lat = feature["geometry"]["coordinates"]
    assert feature["place"]["coordinates"] == pytest.approx([lat, lon], abs=1e-6)


def test_crs84_has_no_place_and_one_feature_validates(client):
    doc = client.get("/collections/projects/items", params={"f": "jsonfg", "limit": 50}).json()
    validate(doc, "featurecollection.json")
    assert doc["coordRefSys"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert all(f["place"] is None for f in doc["features"])
    fid = next(f["id"] for f in doc["features"] if f["geometry"])
    one = client.get(f"/collections/projects/items/{fid}", params={"f": "jsonfg", "crs": f"{EPSG}4547"})
    assert one.status_code == 200
    validate(one.json(), "feature.json")
    assert one.json()["coordRefSys"] == f"{EPSG}4547" and one.json()["place"]["type"] == "Point"


@pytest.mark.parametrize("params", [{"f": "jsonfg", "crs": "gcj02"}, {"f": "xml"}])
def test_refused(client, params):
    r = client.get("/collections/projects/items", params=params)
    assert r.status_code == 400 and r.json()["message_zh"] and r.json()["message"]


def test_time_is_the_status_date(make_client, keys, db):
    client = make_client()
    fid = db("SELECT id FROM projects ORDER BY id LIMIT 1")[0][0]
    path = f"/collections/projects/items/{fid}"
    r = client.patch(path, json={"status": "ongoing", "status_date": "2019-03-04"},
                     headers={**bearer(keys["editor"]), "If-Match": client.get(path).headers["etag"]})
    assert r.status_code == 200
    doc = client.get("/collections/projects/items", params={"f": "jsonfg", "limit": 1000}).json()
    validate(doc, "featurecollection.json")
    times = {f["id"]: f["time"] for f in doc["features"]}
    assert times[fid] == {"date": "2019-03-04"}
    assert all(t is None for k, t in times.items() if k != fid)
