"""Check and normalise progress values from JSON, forms and spreadsheets.

Every bad field is reported at once (422), each with its name and a reason in
Chinese and English, so a form can mark all of them and a sheet row can list them.
"""
from __future__ import annotations

import datetime as dt
import math
import re

import shapely
from pyproj.exceptions import ProjError
from shapely.geometry import shape

from gis_service.crs import CrsSpec, apply_axis_order, parse_crs, to_storage
from gis_service.db.models import GEOMETRY_QUALITIES, LOCATION_BASES, PLAN_MODELS
from gis_service.errors import GisError, InvalidInput, PayloadTooLarge
from gis_service.queries.progress import REVIEW_TIMEZONE
from gis_service.services.progress.vocab import GEOMETRY_FIELDS, Field, editable_fields
from gis_service.vocab import statuses

# A loose box around 晋城市城区: catches swapped axes and wrong CRSs, not edge cases.
PLAUSIBLE_BOUNDS = (112.4, 35.2, 113.3, 35.9)
MAX_EDIT_VERTICES = 100_000  # as for a parcel check; counted before any geometry is built
_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?$")


class ValidationFailed(InvalidInput):
    code = "invalid_fields"

    def __init__(self, errors: dict[str, tuple[str, str]]):
        names = ", ".join(errors)
        super().__init__(f"字段无效：{names}", f"invalid fields: {names}",
                         detail={"fields": {k: {"message_zh": zh, "message": en} for k, (zh, en) in errors.items()}})
        self.errors = errors


def today_in_review_zone() -> dt.date:
    return dt.datetime.now(REVIEW_TIMEZONE).date()


def stage_code(collection_id: str, value: str) -> str | None:
    """A stage code, or its Chinese name (either half of 在建/续建), or None."""
    value = value.strip()
    vocab = statuses(collection_id)
    if value in vocab:
        return value
    for code, status in vocab.items():
        if value == status.zh or value in status.zh.split("/"):
            return code
    return None


def _number(value) -> float:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "").rstrip("%％").strip()
        if not _NUMBER.match(text):
            raise ValueError
        number = float(text)
    if not math.isfinite(number):
        raise ValueError
    return number


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    match = re.match(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$", text)
    if not match:
        raise ValueError
    return dt.date(*(int(g) for g in match.groups()))


def _one(field: Field, collection_id: str, value, today: dt.date):
    """The normalised value, or raise (zh, en) as ValueError args."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if field.kind == "status":
            raise ValueError("阶段不能为空（未知请用 unknown）", "status cannot be empty; use unknown")
        return None
    if field.kind == "status":
        code = stage_code(collection_id, str(value))
        if code is None:
            allowed = list(statuses(collection_id))
            raise ValueError(f"未知阶段 {value!r}，应为 {allowed}", f"unknown status {value!r}; one of {allowed}")
        return code
    if field.kind in ("percent", "amount"):
        try:
            number = _number(value)
        except ValueError:
            raise ValueError(f"应为数字，得到 {value!r}", f"expected a number, got {value!r}") from None
        if field.kind == "percent" and not 0 <= number <= 100:
            raise ValueError(f"应在 0–100 之间，得到 {number:g}", f"must be between 0 and 100, got {number:g}")
        if number < 0:
            raise ValueError(f"不能为负数，得到 {number:g}", f"must not be negative, got {number:g}")
        return round(number, 2)
    if field.kind == "date":
        try:
            day = _date(value)
        except (ValueError, TypeError):
            raise ValueError(f"应为日期 YYYY-MM-DD，得到 {value!r}", f"expected a date YYYY-MM-DD, got {value!r}") from None
        if day > today:
            raise ValueError(f"日期 {day} 晚于今天 {today}", f"date {day} is in the future (today is {today})")
        return day.isoformat()
    text = str(value).strip()
    if len(text) > field.max_length:
        raise ValueError(f"最长 {field.max_length} 字", f"at most {field.max_length} characters")
    return text


def validate_changes(collection_id: str, changes: dict, current: dict, *, today: dt.date | None = None,
                     read_only_ok: dict | None = None) -> dict:
    """Normalised values of ``changes``; ``current`` is the row as stored (for cross-field checks).
    ``read_only_ok`` maps read-only property names to their current API value: sending them
    unchanged is fine (a client PUTting back what it got), changing them is an error."""
    today = today or today_in_review_zone()
    fields = {f.name: f for f in editable_fields(collection_id)}
    known = {c.name for c in PLAN_MODELS[collection_id].__table__.columns}
    errors: dict[str, tuple[str, str]] = {}
    clean: dict = {}
    for name, value in changes.items():
        if name in fields:
            try:
                clean[name] = _one(fields[name], collection_id, value, today)
            except ValueError as exc:
                errors[name] = exc.args if len(exc.args) == 2 else ("无效", "invalid")
        elif name in GEOMETRY_FIELDS:
            allowed = GEOMETRY_QUALITIES if name == "geometry_quality" else LOCATION_BASES
            if value not in allowed:
                errors[name] = (f"应为 {list(allowed)} 之一", f"must be one of {list(allowed)}")
            else:
                clean[name] = value
        elif read_only_ok is not None and name in read_only_ok and _same(read_only_ok[name], value):
            continue
        elif name in known or (read_only_ok is not None and name in read_only_ok):
            errors[name] = ("只读字段，由规划图层维护", "read-only: owned by the plan layers")
        else:
            errors[name] = ("未知字段", f"unknown field for {collection_id}")
    merged = {**current, **clean}
    signing, vacated = merged.get("signing_rate"), merged.get("vacated_rate")
    if signing is not None and vacated is not None and float(vacated) > float(signing) and not errors.get("vacated_rate"):
        errors["vacated_rate"] = (f"腾空率 {float(vacated):g}% 不能高于签约率 {float(signing):g}%",
                                  f"vacated rate {float(vacated):g}% exceeds signing rate {float(signing):g}%")
    if errors:
        raise ValidationFailed(errors)
    return clean


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), abs_tol=1e-9)
    return a == b


def parse_geometry(collection_id: str, value: dict | None, crs: CrsSpec | str | None) -> shapely.Geometry | None:
    """A GeoJSON geometry in ``crs`` (default CRS84) → a storage-CRS geometry of the table's type."""
    if value is None:
        return None
    geom = read_geometry(value, crs)
    expected = {"POINT": "Point", "MULTIPOLYGON": "MultiPolygon",
                "MULTILINESTRING": "MultiLineString"}[PLAN_MODELS[collection_id].__geometry_type__]
    if geom.geom_type == "Polygon" and expected == "MultiPolygon":
        geom = shapely.multipolygons([geom])
    elif geom.geom_type == "LineString" and expected == "MultiLineString":
        geom = shapely.multilinestrings([geom])
    return check_geometry(geom, [expected])


def read_geometry(value: dict, crs: CrsSpec | str | None) -> shapely.Geometry:
    """A GeoJSON geometry in ``crs`` (default CRS84) → the storage CRS, its size bounded before it is built."""
    spec = crs if isinstance(crs, CrsSpec) else _crs(crs)
    from gis_service.services.parcel_check.geometry_input import count_vertices

    if count_vertices(value) > MAX_EDIT_VERTICES:
        raise PayloadTooLarge(f"几何顶点数超过上限 {MAX_EDIT_VERTICES}",
                              f"the geometry has more than {MAX_EDIT_VERTICES} vertices", detail={"limit": MAX_EDIT_VERTICES})
    try:
        return to_storage(apply_axis_order(shape(value), spec), spec)
    except (AttributeError, KeyError, TypeError, ValueError, ProjError, shapely.errors.GEOSException):
        raise ValidationFailed({"geometry": ("不是有效的 GeoJSON 几何，或无法从该坐标系转换",
                                             "not a GeoJSON geometry, or not convertible from its CRS")}) from None


def check_geometry(geom: shapely.Geometry, allowed: list[str]) -> shapely.Geometry:
    """Of an allowed type (any when empty), valid, and near 城区 (catches swapped axes and wrong CRSs)."""
    if allowed and geom.geom_type not in allowed:
        names = " / ".join(allowed)
        raise ValidationFailed({"geometry": (f"几何类型应为 {names}，得到 {geom.geom_type}",
                                             f"geometry must be a {names}, got {geom.geom_type}")})
    if geom.is_empty or not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        raise ValidationFailed({"geometry": (f"几何无效：{reason}", f"invalid geometry: {reason}")})
    x1, y1, x2, y2 = geom.bounds
    bx1, by1, bx2, by2 = PLAUSIBLE_BOUNDS
    if x1 < bx1 or y1 < by1 or x2 > bx2 or y2 > by2:
        raise ValidationFailed({"geometry": ("几何不在城区附近：坐标轴顺序或坐标系是否有误？",
                                             "geometry is not near 城区: swapped axes or wrong CRS?")})
    return geom


def _crs(value: str | None) -> CrsSpec:
    try:
        return parse_crs(value.strip("<> ") if value else None)
    except GisError as exc:
        raise ValidationFailed({"Content-Crs": (exc.message_zh, exc.message_en)}) from None
