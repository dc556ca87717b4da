"""Check the properties and geometry of a new feature, all errors at once (422)."""
from __future__ import annotations

import math

import shapely

from gis_service.auth.principal import Principal
from gis_service.db.models import PLAN_MODELS
from gis_service.queries.registry import Collection
from gis_service.services.progress.validation import ValidationFailed, check_geometry, read_geometry, validate_changes
from gis_service.services.progress.vocab import GEOMETRY_FIELDS, editable_fields, is_progress_collection

# Descriptive attributes an editor writes for a feature of their own; the seed files own the rest.
DESCRIPTIVE = ("name", "name_en", "category", "plan_ref", "note", "area_hint", "source", "confidence")
MAX_TEXT = 2000
_JSON_CHECKS = {"number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v),
                "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
                "boolean": lambda v: isinstance(v, bool), "string": lambda v: isinstance(v, str)}


def _descriptive(props: dict, errors: dict) -> dict:
    clean = {}
    for name in DESCRIPTIVE:
        value = props.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            errors[name] = (f"应为不超过 {MAX_TEXT} 字的文字", f"must be text of at most {MAX_TEXT} characters")
        else:
            clean[name] = value.strip()
    if "name" not in clean and "name" not in errors:
        errors["name"] = ("名称为必填项", "name is required")
    return clean


def plan_values(collection_id: str, props: dict, principal: Principal) -> dict:
    """Column values for a new plan feature. Null read-only attributes (a desktop client sends
    every field of the layer) are ignored; set ones are refused."""
    errors: dict[str, tuple[str, str]] = {}
    clean = _descriptive(props, errors)
    progress = {f.name for f in editable_fields(collection_id)} if is_progress_collection(collection_id) else set()
    columns = {c.name for c in PLAN_MODELS[collection_id].__table__.columns}
    checked = {}
    for name, value in props.items():
        if name in DESCRIPTIVE:
            continue
        if name in progress or name in GEOMETRY_FIELDS:
            if value is not None:
                checked[name] = value
        elif value is not None:
            errors[name] = (("只读字段，由系统维护", "read-only: set by the service") if name in columns
                            else ("未知字段", f"unknown field for {collection_id}"))
    try:
        clean.update(validate_changes(collection_id, checked, {}))
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    clean.setdefault("geometry_quality", "approximate")
    clean.setdefault("location_basis", "user")
    clean.setdefault("source", f"编辑新增 / created by editor {principal.name}")
    if clean["location_basis"] == "unlocated":
        raise ValidationFailed({"location_basis": ("有几何时不能为 unlocated", "cannot be unlocated with a geometry")})
    return clean


def user_values(c: Collection, props: dict) -> dict:
    """A user collection's properties: its existing keys, each of its type (or null)."""
    errors = {}
    for name, value in props.items():
        prop = c.properties.get(name)
        if c.properties and prop is None:
            errors[name] = ("未知字段", f"unknown field for {c.id}; known: {sorted(c.properties)}")
        elif value is not None and not _JSON_CHECKS.get(prop.json_type if prop else "string", _scalar)(value) \
                and not (prop is None and _scalar(value)):
            errors[name] = (f"应为 {prop.json_type if prop else 'scalar'}",
                            f"must be a {prop.json_type if prop else 'scalar'}")
    if errors:
        raise ValidationFailed(errors)
    return props


def _scalar(value) -> bool:
    return isinstance(value, (str, int, float, bool))


def user_geometry(c: Collection, value: dict, content_crs: str | None) -> shapely.Geometry:
    """Like a plan geometry: readable, of the layer's type(s), valid, near 城区."""
    allowed = [t for t in (c.geometry_type or "").split(",") if t]
    return check_geometry(read_geometry(value, content_crs), allowed)
