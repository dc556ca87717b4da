"""Real clients create, update and delete through a real server: OWSLib, and raw HTTP in the
order QGIS uses (OPTIONS, POST with Content-Crs, PUT, DELETE)."""
from __future__ import annotations

import json

import httpx
import owslib.ogcapi as owslib_ogcapi
from owslib.ogcapi.features import Features
from owslib.util import Authentication
from sqlalchemy import create_engine

from gis_service.loader.load import load_layers

from ..conftest import LAYERS_DIR
from ..live import live_server
from .conftest import bearer
from .test_create import inside_point, point_feature

CGCS2000 = "http://www.opengis.net/def/crs/EPSG/0/4490"


def test_owslib_creates_updates_and_deletes(loaded_db, keys, db):
    x, y = inside_point(db)
    saved_headers = dict(owslib_ogcapi.REQUEST_HEADERS)  # OWSLib updates this module-wide dict
    try:
        with live_server(loaded_db) as base:
            auth = Authentication(username="qgis", password=keys["editor"])
            writer = Features(f"{base}/", timeout=30, auth=auth)
            body = point_feature([x, y], status="preliminary")
            assert writer.collection_item_create("projects", json.dumps(body, ensure_ascii=False)) is True
            location = writer.response_headers["Location"]
            fid = location.rsplit("/", 1)[1]
            assert fid.startswith("u-") and writer.response_headers["ETag"] == '"1"'

            feature = Features(f"{base}/", timeout=30).collection_item("projects", fid)
            feature["properties"].update(status="ongoing", percent_complete=40)
            updater = Features(f"{base}/", timeout=30, auth=auth,
                               headers={"If-Match": httpx.get(location).headers["etag"],
                                        "Content-Type": "application/geo+json"})
            assert updater.collection_item_update("projects", fid, json.dumps(feature, ensure_ascii=False)) is True
            assert httpx.get(location).json()["properties"]["status"] == "ongoing"

            deleter = Features(f"{base}/", timeout=30, auth=auth, headers={"If-Match": httpx.get(location).headers["etag"]})
            assert deleter.collection_item_delete("projects", fid) is True
            assert httpx.get(location).status_code == 404
            events = httpx.get(f"{location}/history").json()["events"]
            assert [e["action"] for e in events] == ["delete", "update", "create"]
    finally:
        owslib_ogcapi.REQUEST_HEADERS.clear()
        owslib_ogcapi.REQUEST_HEADERS.update(saved_headers)


def test_qgis_sequence_over_raw_http(loaded_db, keys, db):
    x, y = inside_point(db)
    editor = bearer(keys["editor"])
    with live_server(loaded_db) as base:
        items = f"{base}/collections/urban_village_sites/items"
        assert "POST" in httpx.options(items, headers=editor).headers["allow"]
        conformance = set(httpx.get(f"{base}/conformance").json()["conformsTo"])
        assert "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete" in conformance
        # QGIS sends the layer's CRS: EPSG:4490 is latitude first.
        ring = [[y, x], [y, x + .002], [y + .002, x + .002], [y + .002, x], [y, x]]
        body = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"name": "新增城中村", "status": "survey", "signing_rate": 10}}
        r = httpx.post(items, json=body, headers={**editor, "Content-Crs": f"<{CGCS2000}>",
                                                  "Content-Type": "application/geo+json"})
        assert r.status_code == 201, r.text
        location = r.headers["location"]
        stored = db("SELECT ST_XMin(geom), ST_YMin(geom), origin FROM urban_village_sites WHERE id = :f",
                    f=location.rsplit("/", 1)[1])[0]
        assert abs(stored[0] - x) < 1e-7 and abs(stored[1] - y) < 1e-7 and stored[2] == "editor"

        feature = httpx.get(location).json()
        feature["properties"]["signing_rate"] = 55
        r = httpx.put(location, json=feature, headers={**editor, "If-Match": r.headers["etag"]})
        assert r.status_code == 200 and r.headers["etag"] == '"2"'
        assert httpx.put(location, json=feature, headers={**editor, "If-Match": '"1"'}).status_code == 412
        assert httpx.delete(location, headers={**editor, "If-Match": '"2"'}).status_code == 204
        events = httpx.get(f"{location}/history").json()["events"]
        assert [(e["action"], e["version"]) for e in events] == [("delete", 3), ("update", 2), ("create", 1)]

    # A seed reload neither revives nor retires what the editor did.
    engine = create_engine(loaded_db)
    load_layers(engine, LAYERS_DIR)
    engine.dispose()
    assert db("SELECT retired FROM urban_village_sites WHERE id = :f", f=location.rsplit("/", 1)[1]) == [(True,)]
