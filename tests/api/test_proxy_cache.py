"""What a shared cache in front may keep: public tiles and f=json items, revalidated on every use."""
from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from gis_service.api.app import create_app
from gis_service.api.read_your_writes import LsnSigner

from ..conftest import test_settings


def _fid(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        fid = conn.execute(text("SELECT id FROM projects ORDER BY id LIMIT 1")).scalar()
    engine.dispose()
    return fid


def test_public_items_and_tiles_are_marked_stale_on_arrival(loaded_db):
    fid = _fid(loaded_db)
    with TestClient(create_app(test_settings(loaded_db))) as client:
        item = client.get(f"/collections/projects/items/{fid}?f=json")
        assert item.headers["cache-control"] == "public, max-age=0" and item.headers["x-accel-expires"] == "@1"
        again = client.get(f"/collections/projects/items/{fid}?f=json", headers={"If-None-Match": item.headers["etag"]})
        assert again.status_code == 304 and again.headers["x-accel-expires"] == "@1"
        tile = client.get("/collections/projects/tiles/WebMercatorQuad/12/1600/3300")
        assert tile.status_code == 200 and tile.headers["x-accel-expires"] == "@1"
        for response in (client.get(f"/collections/projects/items/{fid}?f=html"),  # pages: never
                         client.get(f"/collections/projects/items/{fid}?f=json", headers={"Cookie": "a=b"}),
                         client.get(f"/collections/projects/items/{fid}?f=json", headers={"Authorization": "Bearer x"}),
                         client.get("/collections/projects/items?limit=1")):
            assert "x-accel-expires" not in response.headers


def test_nothing_is_marked_when_reads_are_not_public(loaded_db):
    fid = _fid(loaded_db)
    with TestClient(create_app(test_settings(loaded_db, public_reads=False))) as client:
        response = client.get(f"/collections/projects/items/{fid}?f=json")
        assert "x-accel-expires" not in response.headers


def test_lsn_cookie_is_signed():
    signer, other = LsnSigner("one secret"), LsnSigner("another")
    token = signer.sign(0x16B374D848)
    assert signer.verify(token) == 0x16B374D848
    assert other.verify(token) is None                       # another process's secret
    assert signer.verify(token.replace(token[0], "f", 1) if token[0] != "f" else "e" + token[1:]) is None
    assert signer.verify("garbage") is None and signer.verify(None) is None
