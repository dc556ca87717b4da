"""Parcels from a request body: GeoJSON Geometry / Feature / FeatureCollection or ``{"wkt": ...}``.

Coordinates are always x, y (lon, lat or easting, northing), whatever the CRS.
Every problem is a 4xx naming what is wrong, where, and what to do about it:
nothing is checked (or stored) unless the whole body is good.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import orjson
import shapely
from pyproj.exceptions import ProjError
from shapely.geometry import shape

from gis_service.crs import CrsSpec, to_storage
from gis_service.errors import InvalidBody, InvalidGeometry, InvalidInput, PayloadTooLarge

PARCEL_TYPES = ("Polygon", "MultiPolygon")
POINT_TYPES = ("Point",)
# Loose box round China (CGCS2000 lon/lat): beyond it the CRS is almost surely wrong.
CHINA_BOX = (73.0, 3.0, 136.0, 54.0)
_REASON_AT = re.compile(r"^(?P<what>[^\[]+)\[(?P<x>[-\d.eE+]+) (?P<y>[-\d.eE+]+)\]")


@dataclass
class ParcelInput:
    """One parcel (or point), already in EPSG:4490."""

    index: int
    geometry: Any  # shapely geometry, EPSG:4490 lon/lat
    properties: dict = field(default_factory=dict)
    crs_label: str = "CRS84"
    repair_reason: str | None = None  # set when the input was invalid and repair was asked for
    repaired: bool = False

    @property
    def is_point(self) -> bool:
        return self.geometry.geom_type in POINT_TYPES


def invalid(zh: str, en: str, *, hint_zh: str = "", hint_en: str = "", **detail) -> InvalidInput:
    message_zh = zh + (f"。{hint_zh}" if hint_zh else "")
    message_en = en + (f". {hint_en}" if hint_en else "")
    if hint_en:
        detail["hint"] = hint_en
        detail["hint_zh"] = hint_zh
    return InvalidGeometry(message_zh, message_en, detail=detail)


def load_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidBody("请求体不是有效的 JSON", f"the body is not valid JSON: {exc}") from None


def features_of(document: Any) -> list[tuple[dict | None, dict]]:
    """(geometry mapping, properties) for each parcel of a request body."""
    if not isinstance(document, dict):
        raise invalid("请求体应为 GeoJSON 对象或 {\"wkt\": ...}", "the body must be a GeoJSON object or {\"wkt\": ...}")
    kind = document.get("type")
    if "wkt" in document and kind is None:
        return [(_from_wkt(document["wkt"]), _properties(document, 0))]
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list) or not features:
            raise invalid("FeatureCollection 中没有要素", "the FeatureCollection has no features")
        return [_feature(f, i) for i, f in enumerate(features)]
    if kind == "Feature":
        return [_feature(document, 0)]
    if isinstance(kind, str):
        return [(document, {})]
    raise invalid("无法识别的 GeoJSON：缺少 type", "unrecognised GeoJSON: no \"type\"")


def _feature(feature: Any, index: int) -> tuple[dict | None, dict]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise invalid(f"第 {index + 1} 个要素不是 GeoJSON Feature", f"feature {index + 1} is not a GeoJSON Feature",
                      feature=index + 1)
    return feature.get("geometry"), _properties(feature, index)


def _properties(feature: dict, index: int) -> dict:
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise invalid(f"第 {index + 1} 个要素的 properties 应为 JSON 对象",
                      f"feature {index + 1}: properties must be a JSON object", feature=index + 1)
    return dict(properties)


def _from_wkt(wkt: Any) -> dict:
    if not isinstance(wkt, str) or not wkt.strip():
        raise invalid("wkt 为空", "wkt is empty")
    try:
        geom = shapely.from_wkt(wkt)
    except shapely.errors.GEOSException as exc:
        raise invalid(f"WKT 无法解析：{exc}", f"unparsable WKT: {exc}",
                      hint_zh="多边形的每个环须首尾闭合、至少 4 个点",
                      hint_en="each ring must be closed, with at least 4 points") from None
    return shapely.geometry.mapping(geom)


def count_vertices(mapping: Any) -> int:
    coords = mapping.get("coordinates") if isinstance(mapping, dict) else None
    count, stack = 0, [coords]
    while stack:
        item = stack.pop()
        if isinstance(item, list) and item and isinstance(item[0], (int, float)):
            count += 1
        elif isinstance(item, list):
            stack.extend(item)
    return count


def parse_parcels(document: Any, spec: CrsSpec, *, repair: bool, max_parcels: int, max_vertices: int,
                  allow_points: bool = True) -> list[ParcelInput]:
    """Validate every parcel of a body and convert it to EPSG:4490, or raise on the first problem."""
    features = features_of(document)
    if len(features) > max_parcels:
        raise PayloadTooLarge(
            f"一次最多检查 {max_parcels} 个地块（收到 {len(features)} 个），更多请用批量接口 /analysis/parcel-check/batch",
            f"at most {max_parcels} parcels per request (got {len(features)}); use /analysis/parcel-check/batch",
            detail={"limit": max_parcels, "count": len(features)})
    total = sum(count_vertices(g) for g, _ in features)
    if total > max_vertices:
        raise PayloadTooLarge(f"顶点数 {total} 超过上限 {max_vertices}", f"{total} vertices exceed the limit of {max_vertices}",
                              detail={"limit": max_vertices, "vertices": total})
    return [parse_one(g, props, i, spec, repair=repair, allow_points=allow_points)
            for i, (g, props) in enumerate(features)]


def parse_one(mapping: Any, properties: dict, index: int, spec: CrsSpec, *, repair: bool,
              allow_points: bool = True) -> ParcelInput:
    where = {"feature": index + 1}
    label = f"第 {index + 1} 个要素"
    if not isinstance(mapping, dict) or not mapping.get("coordinates"):
        raise invalid(f"{label}几何为空", f"feature {index + 1}: empty geometry",
                      hint_zh="请提供多边形坐标", hint_en="give the parcel's polygon coordinates", **where)
    kind = mapping.get("type")
    allowed = PARCEL_TYPES + (POINT_TYPES if allow_points else ())
    if kind not in allowed:
        raise invalid(f"{label}几何类型为 {kind}，地块须为面（Polygon/MultiPolygon）",
                      f"feature {index + 1}: a {kind} is not a parcel; a parcel must be a Polygon or MultiPolygon",
                      hint_zh="查询某个位置请用 Point", hint_en="to query a location, send a Point",
                      geometry_type=kind, **where)
    rings_closed = _check_coordinates(mapping, index, spec, repair)
    try:
        geom = shape(mapping)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, shapely.errors.GEOSException) as exc:
        raise invalid(f"{label}坐标结构无效：{exc}", f"feature {index + 1}: malformed coordinates: {exc}", **where) from None
    repair_reason = None if rings_closed else "unclosed ring closed"
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        if not repair:
            raise _invalid_polygon(reason, index)
        repair_reason = reason
    try:
        stored = to_storage(geom, spec)
    except ProjError as exc:
        raise invalid(f"{label}坐标无法从 {spec.label} 转换：{exc}",
                      f"feature {index + 1}: cannot convert from {spec.label}: {exc}",
                      hint_zh="请检查 crs 参数", hint_en="check the crs parameter", **where) from None
    _check_in_china(stored, index, spec)
    return ParcelInput(index=index, geometry=stored, properties=properties, crs_label=spec.label,
                       repair_reason=repair_reason)


def _rings(mapping: dict) -> list[tuple[int, int, list]]:
    coords = mapping["coordinates"]
    if mapping["type"] == "Point":
        return [(0, 0, [coords])]
    polygons = [coords] if mapping["type"] == "Polygon" else coords
    if not isinstance(polygons, list):
        return []
    return [(p, r, ring) for p, polygon in enumerate(polygons) if isinstance(polygon, list)
            for r, ring in enumerate(polygon)]


def _check_coordinates(mapping: dict, index: int, spec: CrsSpec, repair: bool) -> bool:
    """Ranges, axis order, ring closure and size. Returns False when a ring had to be closed."""
    closed = True
    for p, r, ring in _rings(mapping):
        where = {"feature": index + 1, "polygon": p + 1, "ring": r + 1}
        if not isinstance(ring, list) or not all(
                isinstance(pt, list) and len(pt) >= 2 and all(isinstance(v, (int, float)) for v in pt[:2])
                for pt in ring):
            raise invalid("坐标须为 [x, y] 数组", "coordinates must be [x, y] number arrays", **where)
        for pt in ring:
            if not all(math.isfinite(v) for v in pt[:2]):
                raise invalid("坐标含非数值（NaN/Infinity）", "coordinates contain NaN or Infinity",
                              position=pt[:2], **where)
            _check_range(pt[0], pt[1], spec, where)
        if mapping["type"] == "Point":
            continue
        if ring and ring[0][:2] != ring[-1][:2]:
            if not repair:
                raise invalid(f"第 {index + 1} 个要素第 {p + 1} 个面的第 {r + 1} 个环未闭合",
                              f"feature {index + 1}, polygon {p + 1}, ring {r + 1} is not closed",
                              hint_zh="末点须与首点相同，或加 repair=true",
                              hint_en="repeat the first point at the end, or pass repair=true",
                              first=ring[0][:2], last=ring[-1][:2], **where)
            ring.append(list(ring[0]))
            closed = False
        if len({tuple(pt[:2]) for pt in ring}) < 3 or len(ring) < 4:
            raise invalid(f"第 {index + 1} 个要素第 {p + 1} 个面的第 {r + 1} 个环点数过少（{len(ring)} 个）",
                          f"feature {index + 1}, polygon {p + 1}, ring {r + 1} has too few points ({len(ring)})",
                          hint_zh="面至少需要 3 个不同的顶点并首尾闭合（4 个坐标）",
                          hint_en="a ring needs at least 3 distinct corners and must be closed (4 positions)",
                          **where)
    return closed


def _check_range(x: float, y: float, spec: CrsSpec, where: dict) -> None:
    geographic = spec.kind != "epsg" or spec.epsg in (4326, 4490) or spec.is_crs84
    if not geographic:
        return
    if -180 <= x <= 180 and -90 <= y <= 90:
        return
    if -90 <= x <= 90 and 73 <= y <= 136:
        raise invalid(f"坐标 ({x}, {y}) 的经纬度似乎颠倒了", f"coordinates ({x}, {y}) look like latitude, longitude (swapped)",
                      hint_zh="请求体中坐标一律为 x, y，即 经度, 纬度",
                      hint_en="coordinates in the body are always x, y: longitude first",
                      position=[x, y], **where)
    hint = _projected_hint(x, y)
    if hint:
        raise invalid(f"坐标 ({x}, {y}) 超出经纬度范围，{hint[0]}",
                      f"coordinates ({x}, {y}) are out of range for {spec.label}; {hint[1]}",
                      hint_zh=hint[2], hint_en=hint[3], position=[x, y], **where)
    raise invalid(f"坐标 ({x}, {y}) 超出经纬度范围", f"coordinates ({x}, {y}) are out of range for {spec.label}",
                  hint_zh="经度 −180…180，纬度 −90…90", hint_en="longitude −180…180, latitude −90…90",
                  position=[x, y], **where)


def _projected_hint(x: float, y: float) -> tuple[str, str, str, str] | None:
    """Gauss-Krüger metres given without their CRS (zone 38 / CM 114°E round 城区)."""
    if 38_000_000 <= x <= 39_000_000 and 1_000_000 <= y <= 6_000_000:
        return ("似为带号的高斯-克吕格坐标（38 带）", "they look like zone-prefixed Gauss-Krüger metres (zone 38)",
                "请加 crs=EPSG:4526", "pass crs=EPSG:4526")
    if 100_000 <= x <= 900_000 and 1_000_000 <= y <= 6_000_000:
        return ("似为高斯-克吕格平面坐标（米）", "they look like Gauss-Krüger metres",
                "请加 crs=EPSG:4547（CGCS2000 3度带 中央经线114°E）", "pass crs=EPSG:4547 (CGCS2000 3-degree GK, CM 114E)")
    if 1_000_000 <= x <= 6_000_000 and (100_000 <= y <= 900_000 or 38_000_000 <= y <= 39_000_000):
        return ("似为高斯-克吕格坐标且 X（北坐标）与 Y（东坐标）颠倒", "they look like Gauss-Krüger metres with northing first",
                "测量文件常把北坐标记作 X；请求体须为 东坐标, 北坐标，并加 crs=EPSG:4547 或 4526",
                "survey files call the northing X; send easting, northing and pass crs=EPSG:4547 or 4526")
    return None


def _check_in_china(geom: Any, index: int, spec: CrsSpec) -> None:
    west, south, east, north = geom.bounds
    if west >= CHINA_BOX[0] and south >= CHINA_BOX[1] and east <= CHINA_BOX[2] and north <= CHINA_BOX[3]:
        return
    raise invalid(f"第 {index + 1} 个要素按 {spec.label} 换算后不在中国境内（{west:.4f}, {south:.4f}）",
                  f"feature {index + 1}: in {spec.label} the coordinates fall outside China ({west:.4f}, {south:.4f})",
                  hint_zh="请检查 crs 参数与坐标顺序（x, y）", hint_en="check the crs parameter and the x, y order",
                  feature=index + 1)


def _invalid_polygon(reason: str, index: int) -> InvalidInput:
    match = _REASON_AT.match(reason)
    what = match.group("what").strip() if match else reason
    position = [float(match.group("x")), float(match.group("y"))] if match else None
    names = {"Self-intersection": "自相交", "Ring Self-intersection": "环自相交",
             "Too few points": "点数过少", "Hole lies outside shell": "内环在外环之外",
             "Nested shells": "外环嵌套", "Interior is disconnected": "内部不连通",
             "Duplicate Rings": "环重复", "Nested holes": "内环嵌套"}
    where_zh = f"，位置 ({position[0]}, {position[1]})" if position else ""
    where_en = f" at ({position[0]}, {position[1]})" if position else ""
    return invalid(f"第 {index + 1} 个要素的多边形无效：{names.get(what, what)}{where_zh}",
                   f"feature {index + 1}: invalid polygon: {what}{where_en}",
                   hint_zh="请修正几何，或加 repair=true 由 ST_MakeValid 自动修复（报告会注明）",
                   hint_en="fix the geometry, or pass repair=true to repair it with ST_MakeValid (the report says so)",
                   feature=index + 1, problem=what, position=position)
