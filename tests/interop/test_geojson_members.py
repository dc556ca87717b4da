"""RFC 7946 GeoJSON as clients parse it: geometries carry only type and coordinates
(PostGIS would add a "crs" member naming EPSG:4490 to CRS84 output)."""
from __future__ import annotations

import httpx
import pytest

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"


@pytest.mark.parametrize("crs", [None, f"{EPSG}4490", f"{EPSG}4547"])
def test_geometries_have_no_crs_member(server, crs):
    params = {"limit": 100, **({"crs": crs} if crs else {})}
    for cid in ("function_zones", "projects", "green_corridors"):
        page = httpx.get(f"{server}/collections/{cid}/items", params=params, timeout=30).json()
        located = [f for f in page["features"] if f["geometry"]]
        assert located, cid
        assert all(set(f["geometry"]) == {"type", "coordinates"} for f in located), cid
        one = httpx.get(f"{server}/collections/{cid}/items/{located[0]['id']}", params=params, timeout=30).json()
        assert set(one["geometry"]) == {"type", "coordinates"}
