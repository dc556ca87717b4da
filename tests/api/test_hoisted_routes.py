"""The hottest reads skip FastAPI's per-request machinery (api.hoist) and SQLAlchemy's result
wrapping (db.engine.first_row), and must answer exactly as the declared routes would."""
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRouter
from sqlalchemy import exc, text

from gis_service.api.app import HOISTED_ROUTES
from gis_service.api.hoist import hoist
from gis_service.db.engine import driver_execute, driver_rows, first_row

TILE = "/collections/function_zones/tiles/WebMercatorQuad/{z}/{y}/{x}"


def test_hoisted_routes_are_dispatched_first_and_still_documented(client):
    names = [getattr(r, "name", "") for r in client.app.router.routes[:len(HOISTED_ROUTES)]]
    assert sorted(names) == sorted(f"{n}_hoisted" for n in HOISTED_ROUTES)
    paths = client.get("/openapi.json").json()["paths"]
    tile = paths["/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"]["get"]
    assert {p["name"]: p["schema"]["type"] for p in tile["parameters"] if p["in"] == "path"}["tileMatrix"] == "integer"
    assert any(p["name"] == "bbox" for p in paths["/collections/{collectionId}/items"]["get"]["parameters"])


def test_a_bad_path_parameter_gets_the_declared_routes_400(client):
    r = client.get(TILE.format(z="ab", y=1, x=2))
    assert r.status_code == 400
    assert r.json()["detail"] == {"parameter": "tileMatrix", "location": "path"}
    assert "tileMatrix" in r.json()["message_zh"]
    assert client.get("/collections/nope/items").json()["code"] == "unknown_collection"
    wrong = client.put(TILE.format(z=1, y=1, x=1))
    assert wrong.status_code == 405 and "GET" in wrong.headers["allow"]


def test_items_answer_head_with_the_get_headers_and_no_body(client):
    got = client.get("/collections/function_zones/items?limit=2")
    head = client.head("/collections/function_zones/items?limit=2")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["content-crs"] == got.headers["content-crs"]
    again = client.get("/collections/function_zones/items?limit=2", headers={"If-None-Match": got.headers["etag"]})
    assert again.status_code == 304


def test_a_route_with_dependencies_is_refused():
    async def dep(request: Request) -> str:
        return "x"

    router = APIRouter()

    @router.get("/things/{tid}")
    async def thing(request: Request, tid: str, extra: Annotated[str, Depends(dep)]):
        return None

    app = FastAPI()
    app.include_router(router)
    with pytest.raises(ValueError, match="besides the request"):
        hoist(app, [router], ["thing"])
    with pytest.raises(ValueError, match="no routes named"):
        hoist(app, [router], ["other"])


def test_a_route_an_earlier_one_shadows_is_refused():
    router = APIRouter()

    @router.get("/things/{tid}")
    async def any_thing(request: Request, tid: str):
        return None

    @router.get("/things/{name}", name="named")
    async def named(request: Request, name: str):
        return None

    app = FastAPI()
    app.include_router(router)
    with pytest.raises(ValueError, match="shadowed"):
        hoist(app, [router], ["named"])


def test_first_row_reads_as_sqlalchemy_would_and_raises_its_errors(shared_loaded_url, engine_for):
    engine = engine_for(shared_loaded_url)
    with engine.connect() as conn:
        sql = "SELECT collection_id AS c, feature_count AS n FROM layer_meta WHERE collection_id = :c AND '%' = '%'"
        row = first_row(conn, sql, {"c": "function_zones"})
        assert (row.c, row.n) == tuple(conn.execute(text(sql), {"c": "function_zones"}).one())
        assert first_row(conn, sql, {"c": "none"}) is None
        with pytest.raises(exc.ProgrammingError):
            first_row(conn, "SELECT no_such_column FROM layer_meta", {})
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        with pytest.raises(exc.DBAPIError) as lost:
            first_row(conn, "SELECT 1", {})
        assert lost.value.connection_invalidated
    with engine.connect() as conn:  # the pool replaced the dead connection
        assert first_row(conn, "SELECT 1 AS one", {}).one == 1


def test_the_hoisted_parcel_check_validates_its_query_as_declared(client):
    parcel = {"type": "Polygon", "coordinates": [[[112.85, 35.5], [112.852, 35.5], [112.852, 35.5015],
                                                  [112.85, 35.5015], [112.85, 35.5]]]}
    bad = client.post("/analysis/parcel-check?repair=maybe", json=parcel)
    assert bad.status_code == 400
    assert bad.json()["detail"] == {"parameter": "repair", "location": "query"}
    assert "repair" in bad.json()["message_zh"] and "repair" in bad.json()["message"]
    ok = client.post("/analysis/parcel-check?repair=true&proposed_use=residential", json=parcel)
    assert ok.status_code == 200 and ok.json()["input"]["proposed_use"] == "residential"
    assert client.post("/analysis/parcel-check?proposed_use=spaceport", json=parcel).status_code == 400
    listed = client.get("/analysis/parcel-check", headers={"Accept": "application/json"})
    assert listed.status_code == 200  # the GET on the same path is still the declared route's
    assert client.put("/analysis/parcel-check", json=parcel).status_code == 405


def test_driver_writes_commit_with_the_connection_and_raise_sqlalchemys_errors(shared_loaded_url, engine_for):
    """driver_execute / driver_rows as the first statements of a connection: SQLAlchemy's commit
    commits them (it knows of the driver's transaction), its rollback drops them."""
    engine = engine_for(shared_loaded_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS driver_probe (n int, s text)"))
        conn.execute(text("TRUNCATE driver_probe"))
    try:
        with engine.connect() as conn:
            driver_execute(conn, "INSERT INTO driver_probe VALUES (:n, :s)", [{"n": 1, "s": "a%"}, {"n": 2, "s": "b"}])
            conn.commit()
        with engine.connect() as conn:
            driver_execute(conn, "INSERT INTO driver_probe VALUES (:n, :s)", [{"n": 3, "s": "c"}])
            conn.rollback()
        with engine.connect() as conn:
            assert driver_rows(conn, "SELECT n, s FROM driver_probe WHERE s LIKE '%' ORDER BY n", {}) == [
                {"n": 1, "s": "a%"}, {"n": 2, "s": "b"}]
            with pytest.raises(exc.ProgrammingError):
                driver_rows(conn, "SELECT no_such_column FROM driver_probe", {})
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE driver_probe"))
