"""The plan layers' composite tile: one MVT, one layer per plan collection, each layer the
same as that collection's own tile; its ETag follows every layer's data_version."""
from __future__ import annotations

import mapbox_vector_tile
from sqlalchemy import create_engine, text

from ..parcels.mvt import tile_for

Z = 12


def test_composite_tile_is_every_plan_layer_tile(client, shared_loaded_url):
    x, y = tile_for(112.85, 35.50, Z)
    r = client.get(f"/tiles/WebMercatorQuad/{Z}/{y}/{x}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    composite = mapbox_vector_tile.decode(r.content)
    engine = create_engine(shared_loaded_url)
    with engine.connect() as conn:
        plan = conn.execute(text("SELECT collection_id FROM layer_meta WHERE kind = 'plan'")).scalars().all()
    engine.dispose()
    own = {}
    for cid in plan:
        one = mapbox_vector_tile.decode(client.get(f"/collections/{cid}/tiles/WebMercatorQuad/{Z}/{y}/{x}").content)
        own.update(one)
    assert len(own) >= 3 and set(composite) == set(own) <= set(plan)
    for name, layer in own.items():
        assert sorted(map(repr, composite[name]["features"])) == sorted(map(repr, layer["features"]))

    again = client.get(f"/tiles/WebMercatorQuad/{Z}/{y}/{x}", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    only = mapbox_vector_tile.decode(client.get(f"/tiles/WebMercatorQuad/{Z}/{y}/{x}",
                                                params={"collections": "admin_units"}).content)
    assert set(only) <= {"admin_units"}


def test_composite_tileset_documents_and_bad_parameters(client):
    ts = client.get("/tiles/WebMercatorQuad").json()
    assert any(link["rel"] == "item" and link["href"].endswith("/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}")
               for link in ts["links"])
    assert {"admin_units", "projects"} <= {layer["id"] for layer in ts["layers"]}
    assert client.get("/tiles").json()["tilesets"][0]["links"][0]["href"].endswith("/tiles/WebMercatorQuad")
    for params, name in (({"collections": "parcels,nope"}, "collections"), ({"detail": "x"}, "detail"),
                         ({"bbox": "1,2,3,4"}, "bbox")):
        bad = client.get("/tiles/WebMercatorQuad/12/0/0", params=params)
        assert bad.status_code == 400 and name in bad.text, (params, bad.text)
    assert client.get("/tiles/WorldCRS84Quad/1/0/0").status_code == 404


def test_composite_tiles_are_marked_for_the_revalidating_proxy_cache(client):
    x, y = tile_for(112.85, 35.50, Z)
    r = client.get(f"/tiles/WebMercatorQuad/{Z}/{y}/{x}")
    assert r.headers["x-accel-expires"] == "@1" and r.headers["cache-control"] == "public, max-age=0"
    assert "x-accel-expires" not in client.get("/tiles/WebMercatorQuad").headers
