"""CQL2 case-insensitive comparison and spatial functions: every one against PostGIS directly."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

CLASSES = ("http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
           "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison")
FUNCTIONS = ("S_INTERSECTS", "S_DISJOINT", "S_WITHIN", "S_CONTAINS", "S_TOUCHES", "S_CROSSES",
             "S_OVERLAPS", "S_EQUALS")


@pytest.fixture(scope="module")
def sql(shared_loaded_url):
    engine = create_engine(shared_loaded_url)

    def run(query: str, **params):
        with engine.connect() as conn:
            return conn.execute(text(query), params).all()

    yield run
    engine.dispose()


def api_ids(client, collection: str, cql: str, lang: str = "cql2-text") -> set[str]:
    r = client.get(f"/collections/{collection}/items", params={"filter": cql, "filter-lang": lang, "limit": 10000})
    assert r.status_code == 200, (cql, r.text)
    return {f["id"] for f in r.json()["features"]}


def db_ids(sql, collection: str, predicate: str, wkt: str) -> set[str]:
    return {r[0] for r in sql(f"SELECT id FROM {collection} WHERE NOT retired AND "
                              f"{predicate}(geom, ST_GeomFromText(:wkt, 4490))", wkt=wkt)}


def test_declared(client):
    assert set(CLASSES) <= set(client.get("/conformance").json()["conformsTo"])


def literals(sql) -> dict[str, str]:
    """Test geometries made by PostGIS from the data: a box over the middle of the district, the
    district's first sub-area, and a function zone's own geometry (for S_EQUALS and S_TOUCHES)."""
    box = sql("SELECT ST_AsText(ST_Expand(ST_Centroid(geom), 0.03)) FROM admin_units WHERE category = 'district'")[0][0]
    sub = sql("SELECT ST_AsText(geom) FROM sub_areas WHERE NOT retired ORDER BY id LIMIT 1")[0][0]
    zone = sql("SELECT ST_AsText(geom) FROM function_zones WHERE NOT retired ORDER BY id LIMIT 1")[0][0]
    return {"box": box, "sub": sub, "zone": zone}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_spatial_function_matches_postgis(client, sql, function):
    shapes = literals(sql)
    predicate = function.replace("S_", "ST_")
    nonempty = 0
    for collection in ("function_zones", "projects", "green_corridors"):
        for wkt in shapes.values():
            expected = db_ids(sql, collection, predicate, wkt)
            assert api_ids(client, collection, f"{function}(geometry, {wkt})") == expected, (collection, wkt[:40])
            nonempty += bool(expected)
    if function not in ("S_TOUCHES",):  # the others have hits in this data; prove the test can fail
        assert nonempty, function


def test_argument_order_is_kept(client, sql):
    wkt = literals(sql)["box"]
    within = api_ids(client, "projects", f"S_WITHIN(geometry, {wkt})")
    assert within and api_ids(client, "projects", f"S_CONTAINS({wkt}, geometry)") == within
    assert api_ids(client, "projects", f"S_WITHIN({wkt}, geometry)") == set()


def test_spatial_function_in_cql2_json(client, sql):
    wkt = literals(sql)["box"]
    geojson = json.loads(sql("SELECT ST_AsGeoJSON(ST_GeomFromText(:w))", w=wkt)[0][0])
    cql = json.dumps({"op": "s_within", "args": [{"property": "geometry"}, geojson]})
    assert api_ids(client, "projects", cql, "cql2-json") == db_ids(sql, "projects", "ST_Within", wkt)


def test_casei(client, sql):
    name = sql("SELECT id FROM projects WHERE id ~ '[a-z]' ORDER BY id LIMIT 1")[0][0]
    expected = {r[0] for r in sql("SELECT id FROM projects WHERE NOT retired AND lower(id) = lower(:n)", n=name)}
    assert expected
    assert api_ids(client, "projects", f"CASEI(id) = CASEI('{name.upper()}')") == expected
    assert api_ids(client, "projects", f"id = '{name.upper()}'") == set() or name == name.upper()
    cql = json.dumps({"op": "=", "args": [{"op": "casei", "args": [{"property": "id"}]},
                                          {"op": "casei", "args": [name.swapcase()]}]})
    assert api_ids(client, "projects", cql, "cql2-json") == expected
    prefix = name[:4]
    like = {r[0] for r in sql("SELECT id FROM projects WHERE NOT retired AND lower(id) LIKE lower(:p)",
                              p=f"{prefix}%")}
    assert api_ids(client, "projects", f"CASEI(id) LIKE CASEI('{prefix.swapcase()}%')") == like
    assert api_ids(client, "projects", f"CASEI(id) IN (CASEI('{name.lower()}'), CASEI('x'))") == expected


@pytest.mark.parametrize("cql", ["CASEI(percent_complete) = CASEI('1')", "FOO(name) = 'x'",
                                 "S_WITHIN(name, POINT(112.8 35.5))", "S_CROSSES(POINT(1 2), POINT(1 2))"])
def test_bad_function_use_is_refused(client, cql):
    r = client.get("/collections/projects/items", params={"filter": cql})
    assert r.status_code == 400 and r.json()["message_zh"] and r.json()["message"], r.text


def test_accenti_uses_unaccent(client, sql):
    # Declared because the migration installs unaccent; prove it is there.
    assert sql("SELECT extname FROM pg_extension WHERE extname = 'unaccent'") == [("unaccent",)]
    assert "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison" in \
        client.get("/conformance").json()["conformsTo"]
    fid = sql("SELECT id FROM projects WHERE id ~ '^[a-z]+-' ORDER BY id LIMIT 1")[0][0]
    accented = fid.replace("a", "á").replace("e", "é").replace("i", "ï").replace("o", "ô")
    assert accented != fid
    expected = {r[0] for r in sql("SELECT id FROM projects WHERE NOT retired AND unaccent(id) = unaccent(:v)",
                                  v=accented)}
    assert expected == {fid}
    assert api_ids(client, "projects", f"ACCENTI(id) = ACCENTI('{accented}')") == expected
    assert api_ids(client, "projects", f"id = '{accented}'") == set()
    upper = accented.upper()
    assert api_ids(client, "projects", f"CASEI(ACCENTI(id)) = CASEI(ACCENTI('{upper}'))") == expected
    cql = json.dumps({"op": "=", "args": [{"op": "accenti", "args": [{"property": "id"}]},
                                          {"op": "accenti", "args": [accented]}]})
    assert api_ids(client, "projects", cql, "cql2-json") == expected
