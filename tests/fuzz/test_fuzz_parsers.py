"""hypothesis fuzz targets for the two hand-written parsers of untrusted text.

* CQL2 (text and JSON): any input compiles or raises a 400 GisError, never another exception;
  a filter that compiles runs against PostGIS without a database error.
* Parcel-check geometry input: any JSON body parses or raises a 4xx GisError.
"""
from __future__ import annotations

import json
import math

import orjson
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import create_engine

from gis_service.crs import parse_crs
from gis_service.errors import GisError
from gis_service.loader.user_import import import_user_file
from gis_service.queries.registry import get_collection
from gis_service.services.ogc.items import fetch_page
from gis_service.services.ogc.params import build_items_query
from gis_service.services.parcel_check.geometry_input import load_json, parse_parcels

from .. import hostile
from ..conftest import cloned_db
from .conftest import PROFILE

EXAMPLES = {"ci": 150, "long": 3000}[PROFILE]
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=PROFILE == "ci", database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.filter_too_much, HealthCheck.data_too_large])
COLLECTIONS = ("projects", "urban_village_sites", "function_zones", "user_points")
CRSS = (None, "EPSG:4490", "http://www.opengis.net/def/crs/EPSG/0/4326", "EPSG:4547", "EPSG:4526",
        "EPSG:3857", "gcj02", "bd09", "EPSG:2000", "nonsense")

# --- CQL2 --------------------------------------------------------------------------------
NAMES = st.sampled_from(["id", "name", "status", "percent_complete", "status_date", "updated_at",
                         "investment_planned_wan", "signing_rate", "zone_class", "category", "kind",
                         "height", "flag", "geometry", "geom", "nope", "\"name\"", "name--", "1"])
NUMBERS = st.one_of(st.integers(-10**30, 10**30), st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([0, -1, 1e308, 2**63, -2**63 - 1]))
STRINGS = st.one_of(st.text(max_size=12), st.sampled_from(hostile.SQL_INJECTION + hostile.WEIRD_TEXT))
DATES = st.sampled_from(["2018-01-01", "2020-02-30", "DATE('2019-05-01')", "TIMESTAMP('2019-05-01T00:00:00Z')",
                         "9999-12-31", "0001-01-01"])
GEOMS = st.sampled_from(["POINT(112.85 35.5)", "POLYGON((112.7 35.4, 113 35.4, 113 35.7, 112.7 35.4))",
                         "POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))", "BBOX(112.7, 35.4, 113, 35.7)",
                         "POINT(1e308 1e308)", "POINT(NaN 1)", "LINESTRING(1 2)", "POLYGON EMPTY",
                         "POINT(38500000 3900000)", "MULTIPOINT((1 2), (3 4))"])


def _literal(draw) -> str:
    kind = draw(st.sampled_from(["num", "str", "date", "bool", "null", "name"]))
    if kind == "num":
        return repr(draw(NUMBERS))
    if kind == "str":
        return "'" + draw(STRINGS).replace("'", "''") + "'"
    if kind == "date":
        return draw(DATES)
    if kind == "name":
        return draw(NAMES)
    return {"bool": draw(st.sampled_from(["TRUE", "FALSE"])), "null": "NULL"}[kind]


@st.composite
def cql2_text(draw, depth: int = 0) -> str:
    kind = draw(st.sampled_from(["cmp", "like", "in", "between", "null", "spatial", "and", "not", "raw"]
                                if depth < 3 else ["cmp", "like", "null"]))
    name = draw(NAMES)
    if kind == "cmp":
        return f"{name} {draw(st.sampled_from(['=', '<>', '<', '<=', '>', '>=', '==', '!']))} {_literal(draw)}"
    if kind == "like":
        return f"{name} {draw(st.sampled_from(['LIKE', 'NOT LIKE', 'ILIKE']))} {_literal(draw)}"
    if kind == "in":
        values = ", ".join(_literal(draw) for _ in range(draw(st.integers(0, 4))))
        return f"{name} {draw(st.sampled_from(['IN', 'NOT IN']))} ({values})"
    if kind == "between":
        return f"{name} BETWEEN {_literal(draw)} AND {_literal(draw)}"
    if kind == "null":
        return f"{name} IS {draw(st.sampled_from(['', 'NOT ']))}NULL"
    if kind == "spatial":
        return f"{draw(st.sampled_from(['S_INTERSECTS', 'S_WITHIN', 'INTERSECTS']))}({name}, {draw(GEOMS)})"
    if kind == "raw":
        return draw(st.text(max_size=40))
    joiner = " AND " if kind == "and" else " OR "
    if kind == "not":
        return f"NOT ({draw(cql2_text(depth + 1))})"
    return "(" + joiner.join(draw(cql2_text(depth + 1)) for _ in range(2)) + ")"


JSON_SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, STRINGS,
                         st.sampled_from([{"property": "status"}, {"property": "nope"}, {"date": "2019-01-01"},
                                          {"timestamp": "x"}, {"bbox": [112.7, 35.4, 113, 35.7]},
                                          {"type": "Point", "coordinates": [112.85, 35.5]},
                                          {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}]))
JSON_FILTERS = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.fixed_dictionaries({"op": st.sampled_from(["=", "<", ">=", "<>", "and", "or", "not", "like",
                                                      "in", "between", "isNull", "s_intersects", "a_equals",
                                                      "+", "casei", "unknown"]),
                               "args": st.lists(inner, max_size=4)}),
        st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=12)


@pytest.fixture(scope="module")
def cql_db(pg, loaded_template, tmp_path_factory):
    """A loaded database plus one user collection, whose properties are JSONB."""
    path = tmp_path_factory.mktemp("cql") / "points.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": i, "kind": k, "height": h, "flag": f},
         "geometry": {"type": "Point", "coordinates": [112.80 + i / 100, 35.50]}}
        for i, (k, h, f) in enumerate([("a", 1.5, True), ("b", None, False), ("c", 7, None)])]}))
    with cloned_db(pg, loaded_template, prepare=lambda engine: import_user_file(engine, path, "user_points")) as url:
        engine = create_engine(url)
        with engine.connect() as conn:
            collections = {c: get_collection(conn, c) for c in COLLECTIONS}
        yield engine, collections
        engine.dispose()


def _filter_runs_or_400(engine, collection, text: str, lang: str, crs: str | None) -> None:
    params = {"filter": text, "filter-lang": lang, **({"filter-crs": crs} if crs else {})}
    try:
        q = build_items_query(collection, params, limit=5, offset=0, max_limit=5)
    except GisError as exc:
        assert exc.status == 400, (text, exc)
        assert exc.message_zh and exc.message_en
        return
    with engine.connect() as conn:  # any database error here is a bug: it would be a 500
        fetch_page(conn, q)


@FUZZ
@given(text=cql2_text(), collection=st.sampled_from(COLLECTIONS), crs=st.sampled_from(CRSS[:6]))
def test_cql2_text_compiles_and_runs_or_is_a_400(cql_db, text, collection, crs):
    engine, collections = cql_db
    _filter_runs_or_400(engine, collections[collection], text, "cql2-text", crs)


@FUZZ
@given(document=JSON_FILTERS, collection=st.sampled_from(COLLECTIONS),
       raw=st.one_of(st.none(), st.text(max_size=30), st.sampled_from(hostile.BAD_JSON_TEXT)))
def test_cql2_json_compiles_and_runs_or_is_a_400(cql_db, document, collection, raw):
    engine, collections = cql_db
    text = raw if raw is not None else json.dumps(document)
    _filter_runs_or_400(engine, collections[collection], text, "cql2-json", None)


def test_cql2_hostile_corpus(cql_db):
    engine, collections = cql_db
    for text in hostile.CQL2_FILTERS:
        for lang in ("cql2-text", "cql2-json"):
            _filter_runs_or_400(engine, collections["projects"], text, lang, None)


# --- parcel-check geometry input ----------------------------------------------------------
COORD = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20),
                  st.floats(112.7, 113.0), st.floats(35.4, 35.7), st.booleans(), st.none(), st.text(max_size=3))
POSITION = st.one_of(st.lists(COORD, min_size=0, max_size=4),
                     st.tuples(st.floats(112.80, 112.90), st.floats(35.45, 35.55)).map(list))
RING = st.one_of(st.lists(POSITION, max_size=8), POSITION, COORD)
GEOMETRY = st.fixed_dictionaries({
    "type": st.sampled_from(["Polygon", "MultiPolygon", "Point", "LineString", "GeometryCollection", "polygon", 7]),
    "coordinates": st.one_of(st.lists(RING, max_size=3), st.lists(st.lists(RING, max_size=2), max_size=2), COORD)})
ANY_JSON = st.recursive(st.one_of(st.none(), st.booleans(), COORD, st.text(max_size=5)),
                        lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                        max_leaves=10)
FEATURE = st.fixed_dictionaries({"type": st.sampled_from(["Feature", "feature", None]),
                                 "geometry": st.one_of(GEOMETRY, ANY_JSON),
                                 "properties": st.one_of(st.none(), st.dictionaries(st.text(max_size=4), ANY_JSON,
                                                                                     max_size=2), ANY_JSON)})
BODY = st.one_of(
    GEOMETRY, FEATURE, ANY_JSON,
    st.fixed_dictionaries({"type": st.just("FeatureCollection"), "features": st.one_of(st.lists(FEATURE, max_size=3),
                                                                                        ANY_JSON)}),
    st.fixed_dictionaries({"wkt": st.one_of(st.text(max_size=20), GEOMS, ANY_JSON),
                           "properties": st.one_of(st.none(), ANY_JSON)}))


def _parses_or_4xx(body: bytes, crs: str | None, repair: bool) -> None:
    try:
        parcels = parse_parcels(load_json(body), parse_crs(crs), repair=repair, max_parcels=100,
                                max_vertices=100_000)
    except GisError as exc:
        assert 400 <= exc.status < 500, (body[:200], exc)
        assert exc.message_zh and exc.message_en
        return
    for parcel in parcels:  # what parses is a finite geometry in EPSG:4490, ready for SQL
        assert all(math.isfinite(v) for v in parcel.geometry.bounds)
        orjson.dumps(parcel.properties)


@FUZZ
@given(document=BODY, crs=st.sampled_from(CRSS), repair=st.booleans())
def test_geometry_input_parses_or_is_a_4xx(document, crs, repair):
    try:
        body = json.dumps(document, allow_nan=True).encode()
    except ValueError:
        return
    _parses_or_4xx(body, crs, repair)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=64), st.sampled_from(hostile.BAD_JSON_BYTES)))
def test_geometry_input_raw_bytes_are_a_4xx(raw):
    _parses_or_4xx(raw, None, False)


def test_geometry_input_hostile_corpus():
    for body in hostile.GEOMETRY_BODIES:
        _parses_or_4xx(body, None, False)
