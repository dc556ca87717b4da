"""Turn OGC API query parameters into an ``ItemsQuery``, or a 400 naming the parameter."""
from __future__ import annotations

import datetime as dt
import math

import pyproj

from gis_service.crs import SUPPORTED_OUTPUT_CRS, get_transformer, parse_crs
from gis_service.errors import GisError, InvalidInput
from gis_service.queries.registry import Collection
from gis_service.queries.cql2 import compile_filter
from gis_service.queries.features import ItemsQuery

# Parameters the items endpoint understands; anything else is a property filter.
RESERVED = {"f", "limit", "offset", "bbox", "bbox-crs", "datetime", "filter", "filter-lang",
            "filter-crs", "sortby", "properties", "skipGeometry", "crs", "precision", "simplify",
            "as_of", "encoding", "after"}


class BadParameter(InvalidInput):
    status = 400
    code = "invalid_parameter"


def bad(parameter: str, zh: str, en: str) -> BadParameter:
    return BadParameter(f"参数 {parameter} 无效：{zh}", f"invalid parameter {parameter}: {en}",
                        detail={"parameter": parameter})


def output_crs(value: str | None, parameter: str = "crs"):
    try:
        spec = parse_crs(value)
    except GisError as exc:
        raise bad(parameter, exc.message_zh, exc.message_en) from None
    if spec.uri not in SUPPORTED_OUTPUT_CRS:
        raise bad(parameter, "不支持该坐标系", f"{value!r} is not offered; use one of {list(SUPPORTED_OUTPUT_CRS)}")
    return spec


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    try:
        numbers = [float(v) for v in value.split(",")]
    except ValueError:
        raise bad("bbox", "应为 4 或 6 个数字", f"expected 4 or 6 comma-separated numbers, got {value!r}") from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise bad("bbox", "应为 4 或 6 个有限数字", f"expected 4 or 6 finite numbers, got {value!r}")
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
        raise bad("bbox", f"超出 {crs.label} 的定义范围", f"the corners fall outside the domain of {crs.label}")


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
            raise bad("datetime", "应为 RFC 3339 日期或区间", f"not an RFC 3339 date or interval: {value!r}") from None

    if "/" in value:
        start, end = value.split("/", 1)
        return one(start), one(end)
    moment = one(value)
    if moment is None:
        raise bad("datetime", "缺少日期", "empty datetime")
    return moment, moment


def _names(collection: Collection, value: str, parameter: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n.lstrip("+-") for n in names if n.lstrip("+-") not in collection.properties]
    if unknown:
        raise bad(parameter, f"未知属性 {unknown}", f"unknown properties {unknown}; see "
                  f"/collections/{collection.id}/queryables")
    return names


def build_items_query(collection: Collection, params: dict[str, str], *, limit: int, offset: int,
                      max_limit: int) -> ItemsQuery:
    q = ItemsQuery(collection=collection, limit=max(1, min(limit, max_limit)), offset=max(0, offset))
    if "bbox-crs" in params:
        q.bbox_crs = output_crs(params["bbox-crs"], "bbox-crs")
    if params.get("bbox"):
        x1, y1, x2, y2 = parse_bbox(params["bbox"])
        if q.bbox_crs.lat_first or q.bbox_crs.northing_first:
            x1, y1, x2, y2 = y1, x1, y2, x2
        q.bbox = (x1, y1, x2, y2)
        _check_bbox_domain(q.bbox, q.bbox_crs)
    if params.get("datetime"):
        if not collection.temporal_property:
            raise bad("datetime", "该图层没有时间属性", f"collection {collection.id} has no temporal property")
        q.datetime_range = parse_datetime(params["datetime"])
    if params.get("filter"):
        q.filter_sql, q.filter_params = compile_filter(
            collection, params["filter"], params.get("filter-lang"), params.get("filter-crs"))
    if params.get("sortby"):
        q.sortby = [(n.lstrip("+-"), not n.startswith("-")) for n in _names(collection, params["sortby"], "sortby")]
    if "properties" in params:
        q.properties = _names(collection, params["properties"], "properties")
    if params.get("after") is not None and not q.sortby:
        q.after_id = params["after"]
    if params.get("as_of"):
        q.as_of = parse_as_of(collection, params["as_of"])
    q.skip_geometry = params.get("skipGeometry", "false").lower() == "true"
    q.out_crs = output_crs(params.get("crs"))
    if params.get("precision"):
        q.precision = _bounded_int(params["precision"], "precision", 0, 15)
    if params.get("simplify"):
        q.simplify_m = _bounded_float(params["simplify"], "simplify", 0, 100_000)
    for key, value in params.items():
        if key in RESERVED:
            continue
        if key not in collection.properties:
            raise bad(key, "未知参数或属性", f"unknown parameter or property {key!r}")
        q.equals[key] = value
    return q


def parse_as_of(collection: Collection, value: str) -> dt.date:
    """``as_of=YYYY-MM-DD``: plan collections only (their history is recorded)."""
    if collection.kind != "plan":
        raise bad("as_of", "仅规划图层记录历史", f"collection {collection.id} keeps no history")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise bad("as_of", "应为日期 YYYY-MM-DD", f"expected a date YYYY-MM-DD, got {value!r}") from None


def _bounded_int(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise bad(name, "应为整数", f"expected an integer, got {value!r}") from None
    if not low <= number <= high:
        raise bad(name, f"应在 {low}–{high} 之间", f"must be between {low} and {high}")
    return number


def _bounded_float(value: str, name: str, low: float, high: float) -> float:
    try:
        number = float(value)
    except ValueError:
        raise bad(name, "应为数字", f"expected a number, got {value!r}") from None
    if not (math.isfinite(number) and low <= number <= high):
        raise bad(name, f"应在 {low}–{high} 之间", f"must be between {low} and {high}")
    return number
