"""The items parameters, declared once: the OpenAPI document, the accepted names and the
validation are all built from ``ITEMS_PARAMETERS``; ``build_items_query`` turns a query string
into an ``ItemsQuery``, or a 400 naming the parameter."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyproj

from gis_service.crs import SUPPORTED_OUTPUT_CRS, get_transformer, parse_crs
from gis_service.errors import BadParameter, GisError
from gis_service.queries.registry import Collection
from gis_service.queries.cql2 import compile_filter
from gis_service.queries.features import ItemsQuery
from gis_service.services.exports.base import EXPORT_FORMATS

ITEM_FORMATS = ("json", "html", "geojsonseq", "jsonfg", *EXPORT_FORMATS)
MAX_OFFSET = 2**31 - 1  # deeper pages are meaningless, and larger numbers overflow SQL
_CRS = {"type": "string", "format": "uri", "enum": list(SUPPORTED_OUTPUT_CRS)}
_LIMIT_TEXT = ("每页要素数；超过 {max} 时按 {max} 返回 / features per page; values above {max} are "
               "clamped to {max}")


@dataclass(frozen=True)
class Parameter:
    name: str
    schema: dict                # OpenAPI 3.0; integer/number bounds and booleans are checked from it
    description: str | None = None
    form: bool = False          # a comma-separated list (style: form, explode: false)
    documented: bool = True     # accepted everywhere, but kept out of the shared OpenAPI parameters

    def openapi(self) -> dict:
        doc: dict[str, Any] = {"name": self.name, "in": "query", "required": False}
        if self.form:
            doc.update(style="form", explode=False)
        if self.description:
            doc["description"] = self.description
        return {**doc, "schema": dict(self.schema)}


ITEMS_PARAMETERS = (
    Parameter("limit", {"type": "integer", "minimum": 1}, form=True),  # maximum, default: settings
    Parameter("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}),
    Parameter("bbox", {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
              "minx,miny,maxx,maxy in bbox-crs axis order (default CRS84 lon,lat)", form=True),
    Parameter("bbox-crs", _CRS),
    Parameter("datetime", {"type": "string"},
              "RFC 3339 date or interval, on status_date where a collection has it"),
    Parameter("filter", {"type": "string"},
              "CQL2 filter (comparison, LIKE, IN, BETWEEN, IS NULL, S_INTERSECTS)"),
    Parameter("filter-lang", {"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"}),
    Parameter("filter-crs", _CRS),
    Parameter("sortby", {"type": "array", "items": {"type": "string"}},
              "comma-separated properties, prefix '-' for descending", form=True),
    Parameter("properties", {"type": "array", "items": {"type": "string"}}, form=True),
    Parameter("skipGeometry", {"type": "boolean", "default": False}),
    Parameter("crs", _CRS, "输出坐标系；EPSG:4490/4326 为纬度在前 / output CRS; EPSG:4490 and 4326 are "
                           "lat,lon, EPSG:4547/4526 northing,easting, CRS84 and 3857 x,y"),
    Parameter("precision", {"type": "integer", "minimum": 0, "maximum": 15}),
    Parameter("simplify", {"type": "number", "minimum": 0, "maximum": 100000},
              "simplification tolerance in metres, for display-weight responses"),
    Parameter("f", {"type": "string", "enum": list(ITEM_FORMATS)}),
    Parameter("after", {"type": "string"}, "keyset cursor, as given in next links"),
    Parameter("as_of", {"type": "string", "format": "date"}, documented=False),
    Parameter("encoding", {"type": "string"}, documented=False),
)
DECLARED = {p.name: p for p in ITEMS_PARAMETERS}
ITEM_PARAMETERS = ("crs", "f", "as_of")  # a single feature: its output CRS, format and date
_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}


def openapi_parameters(default_limit: int, max_limit: int) -> dict[str, dict]:
    """``components.parameters``: QGIS sizes its pages from limit's default and maximum."""
    docs = {p.name: p.openapi() for p in ITEMS_PARAMETERS if p.documented}
    docs["limit"]["description"] = _LIMIT_TEXT.format(max=max_limit)
    docs["limit"]["schema"].update(maximum=max_limit, default=default_limit)
    return docs


def operation_parameters(names: tuple[str, ...] | None = None) -> list[dict]:
    """The inline parameter objects of an operation (the OpenAPI document turns them into refs)."""
    return [p.openapi() for p in ITEMS_PARAMETERS if p.documented and (names is None or p.name in names)]


def _typed(p: Parameter, value: str) -> Any:
    """A value checked against its declared type and bounds."""
    kind, low, high = p.schema.get("type"), p.schema.get("minimum"), p.schema.get("maximum")
    if kind == "boolean":
        if value.lower() not in _TRUE | _FALSE:
            raise BadParameter(p.name, "应为 true 或 false", f"expected true or false, got {value!r}")
        return value.lower() in _TRUE
    if kind not in ("integer", "number"):
        return value
    try:
        number = int(value) if kind == "integer" else float(value)
    except ValueError:
        raise BadParameter(p.name, "应为整数" if kind == "integer" else "应为数字",
                  f"expected {'an integer' if kind == 'integer' else 'a number'}, got {value!r}") from None
    if not (math.isfinite(number) and (low is None or number >= low) and (high is None or number <= high)):
        if high is None:
            raise BadParameter(p.name, f"应不小于 {low}", f"must be at least {low}")
        raise BadParameter(p.name, f"应在 {low}–{high} 之间", f"must be between {low} and {high}")
    return number


def parse_parameters(raw: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """(declared parameters given a value, typed; every other name, for property filters)."""
    values: dict[str, Any] = {}
    others: dict[str, str] = {}
    for key, value in raw.items():
        if key not in DECLARED:
            others[key] = value
        elif value != "":
            values[key] = _typed(DECLARED[key], value)
    return values, others


def output_crs(value: str | None, parameter: str = "crs"):
    try:
        spec = parse_crs(value)
    except GisError as exc:
        raise BadParameter(parameter, exc.message_zh, exc.message_en) from None
    if spec.uri not in SUPPORTED_OUTPUT_CRS:
        raise BadParameter(parameter, "不支持该坐标系", f"{value!r} is not offered; use one of {list(SUPPORTED_OUTPUT_CRS)}")
    return spec


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    try:
        numbers = [float(v) for v in value.split(",")]
    except ValueError:
        raise BadParameter("bbox", "应为 4 或 6 个数字", f"expected 4 or 6 comma-separated numbers, got {value!r}") from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise BadParameter("bbox", "应为 4 或 6 个有限数字", f"expected 4 or 6 finite numbers, got {value!r}")
    return tuple(numbers)  # type: ignore[return-value]


def _check_bbox_domain(bbox: tuple[float, float, float, float], crs) -> None:
    """PostGIS transforms the bbox corners; one outside a projection's domain is a database error."""
    if crs.epsg in (4326, 4490):
        return
    x1, y1, x2, y2 = bbox
    transformer = get_transformer(crs.pyproj_srs, "EPSG:4490")
    try:
        lon, lat = transformer.transform([x1, x1, x2, x2], [y1, y2, y1, y2], errcheck=True)
    except pyproj.exceptions.ProjError:
        lon = lat = [math.inf]
    if not all(math.isfinite(v) for v in (*lon, *lat)):
        raise BadParameter("bbox", f"超出 {crs.label} 的定义范围", f"the corners fall outside the domain of {crs.label}")


def parse_datetime(value: str):
    def one(part: str):
        part = part.strip()
        if part in ("", ".."):
            return None
        try:
            if len(part) == 10:
                return dt.datetime.combine(dt.date.fromisoformat(part), dt.time())
            return dt.datetime.fromisoformat(part.replace("Z", "+00:00"))
        except ValueError:
            raise BadParameter("datetime", "应为 RFC 3339 日期或区间", f"not an RFC 3339 date or interval: {value!r}") from None

    if "/" in value:
        start, end = value.split("/", 1)
        return one(start), one(end)
    moment = one(value)
    if moment is None:
        raise BadParameter("datetime", "缺少日期", "empty datetime")
    return moment, moment


def _names(collection: Collection, value: str, parameter: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n.lstrip("+-") for n in names if n.lstrip("+-") not in collection.properties]
    if unknown:
        raise BadParameter(parameter, f"未知属性 {unknown}", f"unknown properties {unknown}; see "
                  f"/collections/{collection.id}/queryables")
    return names


def build_items_query(collection: Collection, params: Mapping[str, str], *, limit: int, max_limit: int,
                      offset: int = 0) -> ItemsQuery:
    """``limit`` and ``offset`` apply where the query gives none; limits above ``max_limit`` are clamped."""
    values, others = parse_parameters(params)
    page = values.get("limit", limit)
    q = ItemsQuery(collection=collection, limit=max(1, min(page, max_limit)), offset=values.get("offset", offset))
    if "bbox-crs" in values:
        q.bbox_crs = output_crs(values["bbox-crs"], "bbox-crs")
    if "bbox" in values:
        q.bbox = _bbox(values["bbox"], q.bbox_crs)
    if "datetime" in values:
        if not collection.temporal_property:
            raise BadParameter("datetime", "该图层没有时间属性", f"collection {collection.id} has no temporal property")
        q.datetime_range = parse_datetime(values["datetime"])
    if "filter" in values:
        q.filter_sql, q.filter_params = compile_filter(
            collection, values["filter"], params.get("filter-lang"), params.get("filter-crs"))
    if "sortby" in values:
        q.sortby = [(n.lstrip("+-"), not n.startswith("-")) for n in _names(collection, values["sortby"], "sortby")]
    if "properties" in params:
        q.properties = _names(collection, params["properties"], "properties")
    if params.get("after") is not None and not q.sortby:
        q.after_id = params["after"]
    if "as_of" in values:
        q.as_of = parse_as_of(collection, values["as_of"])
    q.skip_geometry = values.get("skipGeometry", False)
    q.out_crs = output_crs(values.get("crs"))
    q.precision = values.get("precision")
    q.simplify_m = values.get("simplify")
    for key, value in others.items():
        if key not in collection.properties:
            raise BadParameter(key, "未知参数或属性", f"unknown parameter or property {key!r}")
        q.equals[key] = value
    return q


def _bbox(value: str, crs) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = parse_bbox(value)
    if crs.lat_first or crs.northing_first:
        x1, y1, x2, y2 = y1, x1, y2, x2
    _check_bbox_domain((x1, y1, x2, y2), crs)
    return x1, y1, x2, y2


def parse_as_of(collection: Collection, value: str) -> dt.date:
    """``as_of=YYYY-MM-DD``: plan collections only (their history is recorded)."""
    if collection.kind != "plan":
        raise BadParameter("as_of", "仅规划图层记录历史", f"collection {collection.id} keeps no history")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadParameter("as_of", "应为日期 YYYY-MM-DD", f"expected a date YYYY-MM-DD, got {value!r}") from None
