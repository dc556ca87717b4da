"""CQL2 text/JSON compiled to SQL text and bind parameters, without a database.

The compiler only needs a collection's id and its queryable properties, so a small
collection with one property of each kind stands in for the table-backed ones.
"""
from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
import shapely

from gis_service import crs
from gis_service.errors import GisError
from gis_service.queries.registry import Property
from gis_service.queries.cql2 import compile_filter

COLLECTION = SimpleNamespace(id="things", properties={p.name: p for p in (
    Property("name", "t.name", "string"),
    Property("share", "t.share", "number"),
    Property("floors", "t.floors", "integer"),
    Property("flag", "t.flag", "boolean"),
    Property("day", "t.day", "string", "date"),
    Property("stamp", "t.stamp", "string", "date-time"),
    Property("height", "(t.properties -> 'height')", "number", is_json=True),
)})


def sql(text: str, lang: str | None = None, filter_crs: str | None = None) -> tuple[str, dict]:
    return compile_filter(COLLECTION, text, lang, filter_crs)


def refused(text: str, lang: str | None = None) -> GisError:
    with pytest.raises(GisError) as caught:
        sql(text, lang)
    assert caught.value.status == 400
    assert caught.value.message_zh and caught.value.message_en   # bilingual, as every 4xx
    return caught.value


@pytest.mark.parametrize("text, expected_sql, expected_params", [
    ("name = 'a' AND share > 5", "((t.name = :f0) AND (t.share > :f1))", {"f0": "a", "f1": 5}),
    ("NOT (floors < 3) OR flag = true", "((NOT (t.floors < :f0)) OR (t.flag = :f1))", {"f0": 3, "f1": True}),
    ("floors <> 2", "(t.floors <> :f0)", {"f0": 2}),
    ("share >= 1.5 AND share <= 2.5", "((t.share >= :f0) AND (t.share <= :f1))", {"f0": 1.5, "f1": 2.5}),
    ("name LIKE '白%'", "(CAST(t.name AS text) LIKE :f0)", {"f0": "白%"}),
    ("name NOT LIKE 'a%'", "(CAST(t.name AS text) NOT LIKE :f0)", {"f0": "a%"}),
    ("name IN ('a', 'b')", "(t.name IN (:f0, :f1))", {"f0": "a", "f1": "b"}),
    ("name NOT IN ('a')", "(t.name NOT IN (:f0))", {"f0": "a"}),
    ("floors BETWEEN 1 AND 5", "(t.floors BETWEEN :f0 AND :f1)", {"f0": 1, "f1": 5}),
    ("floors NOT BETWEEN 1 AND 5", "(t.floors NOT BETWEEN :f0 AND :f1)", {"f0": 1, "f1": 5}),
    ("day IS NULL", "(t.day IS NULL)", {}),
    ("name = name", "(t.name = t.name)", {}),
    ("INCLUDE", "TRUE", {}),
])
def test_text_compiles_to_sql_with_every_literal_bound(text, expected_sql, expected_params):
    assert sql(text) == (expected_sql, expected_params)


def test_cql2_json_compiles_like_the_text_form():
    doc = {"op": "and", "args": [{"op": "=", "args": [{"property": "name"}, "a"]},
                                 {"op": ">", "args": [{"property": "share"}, 5]}]}
    assert sql(json.dumps(doc), "cql2-json") == sql("name = 'a' AND share > 5")
    assert sql(json.dumps(doc), "CQL2-JSON") == sql("name = 'a' AND share > 5")  # lang is case-blind


def test_a_literal_never_reaches_the_sql_text():
    hostile = 'x"); DROP TABLE projects; --'
    text, params = sql(f"name = '{hostile}' OR name LIKE '%;%'")
    assert text == "((t.name = :f0) OR (CAST(t.name AS text) LIKE :f1))"
    assert params == {"f0": hostile, "f1": "%;%"}


def test_dates_and_timestamps_become_python_values():
    assert sql("day >= DATE('2020-01-01')") == ("(t.day >= :f0)", {"f0": dt.date(2020, 1, 1)})
    assert sql("day = '2020-01-01'")[1] == {"f0": dt.date(2020, 1, 1)}   # ISO strings are accepted
    text, params = sql("stamp > TIMESTAMP('2020-01-01T08:00:00Z')")
    assert text == "(t.stamp > :f0)"
    assert params["f0"] == dt.datetime(2020, 1, 1, 8, tzinfo=dt.timezone.utc)


def test_string_property_compares_as_text_even_with_a_number():
    assert sql("name = 5") == ("(t.name = :f0)", {"f0": "5"})


def test_json_properties_compare_as_jsonb_and_treat_json_null_as_null():
    assert sql("height = 3") == ("((t.properties -> 'height') = CAST(:f0 AS jsonb))", {"f0": "3"})
    assert sql("height = DATE('2020-01-01')")[1] == {"f0": '"2020-01-01"'}
    is_null, _ = sql("height IS NULL")
    assert is_null == "(((t.properties -> 'height') IS NULL OR (t.properties -> 'height') = 'null'::jsonb))"
    not_null, _ = sql("height IS NOT NULL")
    assert "IS NOT NULL AND" in not_null and "<> 'null'::jsonb" in not_null


@pytest.mark.parametrize("text, property_name, words", [
    ("nothing = 1", "nothing", "unknown property"),
    ("share = 'x'", "share", "numeric"),
    ("share = true", "share", "numeric"),       # a boolean is not a number here
    ("flag = 1", "flag", "boolean"),
    ("day = 'tomorrow'", "day", "needs a date"),
    ("day = 5", "day", "needs a date"),
    ("share = floors", "share", "different types"),
    ("name = height", "name", "different types"),
])
def test_type_and_name_errors_name_the_property(text, property_name, words):
    error = refused(text)
    assert words in error.message_en
    assert error.detail == {"parameter": "filter", "property": property_name}
    if words == "unknown property":
        assert "/collections/things/queryables" in error.message_en


@pytest.mark.parametrize("text, words", [
    ("name = ", "syntax error"),
    ("'a' = name", "expected a property name"),
    ("share + 1 > 2", "expected a property name"),            # no arithmetic
    ("stamp T_AFTER TIMESTAMP('2020-01-01T00:00:00Z')", "unsupported filter operation"),
    ("S_INTERSECTS(name, POINT(1 2))", "is not the geometry"),
    ("S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))", "invalid filter geometry"),
])
def test_unsupported_or_malformed_filters_are_400(text, words):
    error = refused(text)
    assert words in error.message_en and error.detail["parameter"] == "filter"


def test_unknown_filter_lang_names_the_parameter():
    error = refused("name = 'a'", "xml")
    assert error.detail == {"parameter": "filter-lang"} and "cql2-text" in error.message_en


def test_malformed_json_is_a_syntax_error():
    assert "syntax error" in refused("{bad", "cql2-json").message_en


def _bound_geometry(params: dict):
    (value,) = params.values()
    return shapely.from_wkb(bytes.fromhex(value))


def test_intersects_binds_storage_wkb_in_crs84_by_default():
    text, params = sql("S_INTERSECTS(geometry, POINT(112.85 35.5))")
    assert text == "ST_Intersects(t.geom, ST_GeomFromWKB(decode(:f0, 'hex'), 4490))"
    assert _bound_geometry(params).equals_exact(shapely.Point(112.85, 35.5), 1e-12)


def test_intersects_literal_follows_the_filter_crs_axis_order():
    # EPSG:4326 is latitude first: POINT(lat lon) means the same place as CRS84 POINT(lon lat).
    _, params = sql("S_INTERSECTS(geometry, POINT(35.5 112.85))", filter_crs=crs.EPSG_URI_PREFIX + "4326")
    assert _bound_geometry(params).equals_exact(shapely.Point(112.85, 35.5), 1e-9)


def test_intersects_literal_in_gcj02_is_converted_before_binding():
    _, params = sql("S_INTERSECTS(geometry, POINT(112.85 35.5))", filter_crs="gcj02")
    expected = shapely.Point(crs.gcj02_to_wgs84(112.85, 35.5))
    bound = _bound_geometry(params)
    assert bound.equals_exact(expected, 1e-9)
    assert bound.distance(shapely.Point(112.85, 35.5)) > 1e-3   # hundreds of metres, not unchanged


def test_bind_names_are_unique_across_a_whole_expression():
    text, params = sql("name IN ('a', 'b', 'c') AND floors BETWEEN 1 AND 2 AND share > 0")
    assert sorted(params) == [f"f{i}" for i in range(6)]
    assert all(f":{name}" in text for name in params)
