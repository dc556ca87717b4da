"""CQL2 (text and JSON) → parameterised SQL over a collection's queryables.

Parsing is pygeofilter's; compiling is ours so that every literal becomes a
bind parameter and every property name is checked against the queryables.
Only what /conformance declares is accepted: basic CQL2 (comparison, AND/OR/NOT,
IS NULL), LIKE, IN, BETWEEN, CASEI, ACCENTI (PostgreSQL's unaccent) and the spatial functions S_INTERSECTS,
S_DISJOINT, S_WITHIN, S_CONTAINS, S_TOUCHES, S_CROSSES, S_OVERLAPS and S_EQUALS.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json

import shapely
from pygeofilter import ast
from pyproj.exceptions import ProjError
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parse as parse_text
from shapely.geometry import shape

from gis_service.crs import CrsSpec, apply_axis_order, parse_crs, to_storage
from gis_service.errors import GisError, InvalidInput
from gis_service.queries.registry import Collection

GEOMETRY_NAMES = {"geometry", "geom", "the_geom"}
_COMPARISON = {ast.Equal: "=", ast.NotEqual: "<>", ast.LessThan: "<", ast.LessEqual: "<=",
               ast.GreaterThan: ">", ast.GreaterEqual: ">="}


# Spatial predicates → PostGIS, argument order kept (S_WITHIN(a, b) is ST_Within(a, b)).
_SPATIAL = {ast.GeometryIntersects: "ST_Intersects", ast.GeometryDisjoint: "ST_Disjoint",
            ast.GeometryWithin: "ST_Within", ast.GeometryContains: "ST_Contains",
            ast.GeometryTouches: "ST_Touches", ast.GeometryCrosses: "ST_Crosses",
            ast.GeometryOverlaps: "ST_Overlaps", ast.GeometryEquals: "ST_Equals"}
# pygeofilter's text parser turns CASEI(x) into lower(x); ACCENTI uses the unaccent extension.
_TEXT_FUNCTIONS = {"lower": "lower", "casei": "lower", "accenti": "unaccent"}


class FilterError(InvalidInput):
    status = 400
    code = "invalid_filter"


def _bad(zh: str, en: str, **detail) -> FilterError:
    return FilterError(zh, en, detail={"parameter": "filter", **detail})


def parse_filter(filter_text: str, lang: str | None) -> ast.Node:
    lang = (lang or "cql2-text").lower()
    try:
        if lang == "cql2-text":
            return parse_text(filter_text)
        if lang == "cql2-json":
            return parse_json(_accenti_as_function(json.loads(filter_text)))
    except GisError:
        raise
    except Exception as exc:  # pygeofilter/lark raise many parse error types
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _bad("过滤表达式语法错误", f"filter syntax error: {first_line[:200]}") from None
    raise FilterError("不支持的 filter-lang", f"unsupported filter-lang {lang!r}; use cql2-text or cql2-json",
                      detail={"parameter": "filter-lang"})


def _accenti_as_function(node):
    """pygeofilter reads CASEI as a JSON operator but ACCENTI only in its function form."""
    if isinstance(node, list):
        return [_accenti_as_function(n) for n in node]
    if not isinstance(node, dict):
        return node
    if str(node.get("op", "")).lower() == "accenti" and isinstance(node.get("args"), list):
        return {"function": {"name": "accenti", "arguments": _accenti_as_function(node["args"])}}
    return {k: _accenti_as_function(v) for k, v in node.items()}


class Compiler:
    def __init__(self, collection: Collection, filter_crs: CrsSpec, prefix: str = "f") -> None:
        self.collection = collection
        self.filter_crs = filter_crs
        self.params: dict[str, object] = {}
        self._names = (f"{prefix}{i}" for i in itertools.count())

    def bind(self, value) -> str:
        name = next(self._names)
        self.params[name] = value
        return f":{name}"

    def compile(self, node) -> str:
        if isinstance(node, ast.And):
            return f"({self.compile(node.lhs)} AND {self.compile(node.rhs)})"
        if isinstance(node, ast.Or):
            return f"({self.compile(node.lhs)} OR {self.compile(node.rhs)})"
        if isinstance(node, ast.Not):
            return f"(NOT {self.compile(node.sub_node)})"
        if type(node) in _COMPARISON:
            return self._comparison(node.lhs, _COMPARISON[type(node)], node.rhs)
        if isinstance(node, ast.Like):
            return self._like(node)
        if isinstance(node, ast.In) and isinstance(node.lhs, ast.Function):
            values = ", ".join(self._text_operand(v) for v in node.sub_nodes)
            return f"({self._text_operand(node.lhs)} {'NOT ' if node.not_ else ''}IN ({values}))"
        if isinstance(node, ast.In):
            prop = self._property(node.lhs)
            values = ", ".join(self._value(prop, v) for v in node.sub_nodes)
            return f"({prop.sql} {'NOT ' if node.not_ else ''}IN ({values}))"
        if isinstance(node, ast.Between):
            prop = self._property(node.lhs)
            low, high = self._value(prop, node.low), self._value(prop, node.high)
            return f"({prop.sql} {'NOT ' if node.not_ else ''}BETWEEN {low} AND {high})"
        if isinstance(node, ast.IsNull):
            prop = self._property(node.lhs)
            null_test = f"{prop.sql} IS {'NOT ' if node.not_ else ''}NULL"
            if prop.is_json:  # a JSON null is a null too
                null_test = (f"({prop.sql} IS NOT NULL AND {prop.sql} <> 'null'::jsonb)" if node.not_
                             else f"({prop.sql} IS NULL OR {prop.sql} = 'null'::jsonb)")
            return f"({null_test})"
        if type(node) in _SPATIAL:
            return self._spatial(node, _SPATIAL[type(node)])
        if isinstance(node, ast.Include):
            return "TRUE"
        raise _bad("不支持的过滤运算", f"unsupported filter operation {type(node).__name__}; "
                   "supported: comparison, LIKE, IN, BETWEEN, IS NULL, CASEI, ACCENTI, S_INTERSECTS, S_DISJOINT, "
                   "S_WITHIN, S_CONTAINS, S_TOUCHES, S_CROSSES, S_OVERLAPS, S_EQUALS")

    def _casei(self, node) -> str | None:
        """SQL for CASEI(<text property or string>), or None when ``node`` is not CASEI."""
        if not isinstance(node, ast.Function):
            return None
        fn = _TEXT_FUNCTIONS.get(node.name.lower())
        if fn is None or len(node.arguments) != 1:
            raise _bad(f"不支持的函数 {node.name}", f"unsupported function {node.name!r}; supported: CASEI, ACCENTI")
        (arg,) = node.arguments
        if isinstance(arg, ast.Attribute):
            prop = self._property(arg)
            if prop.json_type != "string" or prop.format:
                raise _bad(f"CASEI/ACCENTI 只用于文字属性，{prop.name} 不是", f"CASEI/ACCENTI need a text property; "
                           f"{prop.name} is {prop.json_type}", property=prop.name)
            inner = f"({prop.sql} #>> '{{}}')" if prop.is_json else prop.sql
        elif isinstance(arg, str):
            inner = self.bind(arg)
        else:
            inner = self._casei(arg)
            if inner is None:
                raise _bad("CASEI 需要文字属性或字符串", "CASEI needs a text property or a string")
        return f"{fn}({inner})"

    def _text_operand(self, node) -> str:
        """Either side of a case-insensitive comparison: CASEI(...) or a plain string."""
        sql = self._casei(node)
        if sql is not None:
            return sql
        if isinstance(node, str):
            return self.bind(node)
        raise _bad("CASEI 比较的另一侧应为 CASEI(...) 或字符串",
                   "the other side of a CASEI comparison must be CASEI(...) or a string")

    def _property(self, node):
        if not isinstance(node, ast.Attribute):
            raise _bad("比较的左侧必须是属性名", f"expected a property name, got {node!r}")
        prop = self.collection.properties.get(node.name)
        if prop is None:
            raise _bad(f"未知属性 {node.name!r}", f"unknown property {node.name!r} in filter; see "
                       f"/collections/{self.collection.id}/queryables", property=node.name)
        return prop

    def _value(self, prop, value) -> str:
        if isinstance(value, ast.Attribute):
            other = self._property(value)
            # PostgreSQL compares only like with like (text = integer is an error, not false).
            if (other.json_type, other.format, other.is_json) != (prop.json_type, prop.format, prop.is_json):
                raise _bad(f"属性 {prop.name} 与 {other.name} 类型不同，不能比较",
                           f"properties {prop.name} and {other.name} have different types", property=prop.name)
            return other.sql
        if isinstance(value, ast.Node):
            raise _bad("不支持的表达式", f"unsupported expression {value!r}")
        if prop.is_json:
            if isinstance(value, (dt.date, dt.datetime)):
                value = value.isoformat()
            return f"CAST({self.bind(json.dumps(value, ensure_ascii=False))} AS jsonb)"
        expected = prop.json_type
        if expected in ("number", "integer") and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise _bad(f"属性 {prop.name} 需要数值", f"property {prop.name} is numeric; got {value!r}",
                       property=prop.name)
        if expected == "boolean" and not isinstance(value, bool):
            raise _bad(f"属性 {prop.name} 需要布尔值", f"property {prop.name} is boolean; got {value!r}",
                       property=prop.name)
        if expected == "string" and prop.format is None and not isinstance(value, str):
            value = str(value)
        if prop.format in ("date", "date-time") and isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value) if prop.format == "date" else dt.datetime.fromisoformat(value)
            except ValueError:
                raise _bad(f"属性 {prop.name} 需要日期", f"property {prop.name} needs a date; got {value!r}",
                           property=prop.name) from None
        elif prop.format in ("date", "date-time") and not isinstance(value, dt.date):
            raise _bad(f"属性 {prop.name} 需要日期", f"property {prop.name} needs a date; got {value!r}",
                       property=prop.name)
        return self.bind(value)

    def _comparison(self, lhs, op: str, rhs) -> str:
        if isinstance(lhs, ast.Function) or isinstance(rhs, ast.Function):
            return f"({self._text_operand(lhs)} {op} {self._text_operand(rhs)})"
        prop = self._property(lhs)
        return f"({prop.sql} {op} {self._value(prop, rhs)})"

    def _like(self, node) -> str:
        if isinstance(node.lhs, ast.Function):
            op = "NOT LIKE" if node.not_ else "LIKE"
            return f"({self._text_operand(node.lhs)} {op} {self._text_operand(node.pattern)})"
        prop = self._property(node.lhs)
        target = f"({prop.sql} #>> '{{}}')" if prop.is_json else f"CAST({prop.sql} AS text)"
        op = "ILIKE" if node.nocase else "LIKE"
        return f"({target} {'NOT ' if node.not_ else ''}{op} {self.bind(str(node.pattern))})"

    def _spatial(self, node, function: str) -> str:
        name = function.replace("ST_", "S_").upper()
        sides = [self._spatial_operand(side, name) for side in (node.lhs, node.rhs)]
        if "t.geom" not in sides:
            raise _bad(f"{name} 的一个参数必须是几何属性",
                       f"{name} needs the geometry property ({'/'.join(sorted(GEOMETRY_NAMES))}) as one argument")
        return f"{function}({sides[0]}, {sides[1]})"

    def _spatial_operand(self, node, name: str) -> str:
        if isinstance(node, ast.Attribute):
            if node.name not in GEOMETRY_NAMES:
                raise _bad(f"{name} 的参数 {node.name} 不是几何属性", f"{name}: {node.name!r} is not the geometry")
            return "t.geom"
        geometry = getattr(node, "geometry", None)
        if geometry is None and isinstance(node, ast.Node) and hasattr(node, "minx"):
            geometry = shapely.geometry.mapping(shapely.box(node.minx, node.miny, node.maxx, node.maxy))
        if geometry is None:
            raise _bad(f"{name} 需要几何字面量", f"{name} needs a geometry literal")
        try:
            # Literals follow the filter CRS's axis order; swapping is its own inverse.
            geom = to_storage(apply_axis_order(shape(geometry), self.filter_crs), self.filter_crs)
        except (ValueError, TypeError, AttributeError, GisError, ProjError) as exc:
            raise _bad("过滤几何无效", f"invalid filter geometry: {exc}") from None
        if not shapely.is_valid(geom):
            raise _bad("过滤几何无效", f"invalid filter geometry: {shapely.is_valid_reason(geom)}")
        return f"ST_GeomFromWKB(decode({self.bind(shapely.to_wkb(geom, hex=True))}, 'hex'), 4490)"


def compile_filter(collection: Collection, filter_text: str, lang: str | None,
                   filter_crs: str | None = None) -> tuple[str, dict]:
    crs = parse_crs(filter_crs) if filter_crs else parse_crs(None)
    node = parse_filter(filter_text, lang)
    compiler = Compiler(collection, crs)
    return compiler.compile(node), compiler.params
