"""Read one seed layer file and check it before anything touches the database.

Every problem is collected with the file, the feature and the reason, so one
run tells the author all that is wrong, not just the first thing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyogrio
import shapely
from shapely.geometry import shape

from gis_service.manifest import CollectionSpec
from gis_service.crs import parse_crs, to_storage
from gis_service.errors import GisError, InvalidFile

REQUIRED_FIELDS = ("id", "name", "geometry_quality", "location_basis", "source")
MAX_REPORTED_PROBLEMS = 20
EDITOR_ID_PREFIX = "u-"  # ids the API assigns to created features; seed slugs never use it


class LayerValidationError(InvalidFile):
    code = "layer_validation_failed"


@dataclass
class Problem:
    file: str
    feature: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}" + (f" feature {self.feature}" if self.feature else "")
        return f"{where}: {self.reason}"


@dataclass
class LayerRows:
    spec: CollectionSpec
    rows: list[dict] = field(default_factory=list)  # properties + "geom" (shapely, EPSG:4490)


def _read_geojson(path: Path) -> tuple[str | None, list[tuple[dict, object]]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    crs_name = ((data.get("crs") or {}).get("properties") or {}).get("name")
    features = []
    for feat in data.get("features") or []:
        props = dict(feat.get("properties") or {})
        if feat.get("id") is not None:
            props.setdefault("id", feat["id"])
        features.append((props, feat.get("geometry")))
    return crs_name, features


def _read_gpkg(path: Path) -> tuple[str | None, list[tuple[dict, object]]]:
    gdf = pyogrio.read_dataframe(path)
    crs_name = gdf.crs.to_string() if gdf.crs else None
    features = []
    for record, geom in zip(gdf.drop(columns="geometry").to_dict("records"), gdf.geometry):
        features.append((record, None if geom is None else shapely.geometry.mapping(geom)))
    return crs_name, features


def read_layer(layers_dir: Path, spec: CollectionSpec) -> LayerRows:
    path = Path(layers_dir) / spec.file
    label = path.name
    problems: list[Problem] = []
    try:
        reader = _read_gpkg if path.suffix.lower() == ".gpkg" else _read_geojson
        crs_name, features = reader(path)
    except FileNotFoundError:
        raise LayerValidationError(f"找不到图层文件 {label}", f"layer file not found: {path}",
                                   detail={"file": label}) from None
    except (ValueError, pyogrio.errors.DataSourceError) as exc:
        raise LayerValidationError(f"无法读取图层文件 {label}", f"cannot read {label}: {exc}",
                                   detail={"file": label}) from None
    if not crs_name:
        raise LayerValidationError(
            f"{label} 未声明坐标系", f"{label}: no CRS declared (expected EPSG:4490)",
            detail={"file": label})
    try:
        crs_spec = parse_crs(crs_name)
    except GisError as exc:
        raise LayerValidationError(f"{label} 坐标系无法识别", f"{label}: {exc}",
                                   detail={"file": label}) from None

    layer = LayerRows(spec)
    seen: set[str] = set()
    for index, (props, geometry) in enumerate(features):
        fid = props.get("id")
        ref = str(fid) if fid not in (None, "") else f"#{index + 1}"
        missing = [k for k in REQUIRED_FIELDS if props.get(k) in (None, "")]
        if missing:
            problems.append(Problem(label, ref, f"missing required fields {missing}"))
            continue
        if str(fid).startswith(EDITOR_ID_PREFIX):
            problems.append(Problem(label, ref, f"ids starting {EDITOR_ID_PREFIX!r} are for features editors create"))
            continue
        if fid in seen:
            problems.append(Problem(label, ref, "duplicate id"))
            continue
        seen.add(fid)
        geom, reason = _check_geometry(geometry, spec, props)
        if reason:
            problems.append(Problem(label, ref, reason))
            continue
        row = dict(props)
        row["geom"] = None if geom is None else to_storage(geom, crs_spec)
        layer.rows.append(row)
    if problems:
        shown = problems[:MAX_REPORTED_PROBLEMS]
        raise LayerValidationError(
            f"{label} 有 {len(problems)} 处错误，首个: {shown[0]}",
            f"{label}: {len(problems)} problem(s); first: {shown[0]}",
            detail={"file": label, "problems": [vars(p) for p in shown]},
        )
    return layer


def _check_geometry(geometry, spec: CollectionSpec, props: dict):
    unlocated = props.get("location_basis") == "unlocated"
    if geometry is None:
        return (None, None) if unlocated else (None, "null geometry but location_basis is not 'unlocated'")
    if unlocated:
        return None, "location_basis 'unlocated' but a geometry is given"
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        return None, f"unreadable geometry: {exc}"
    if geom.geom_type != spec.geometry_type:
        return None, f"geometry type {geom.geom_type}, collection requires {spec.geometry_type}"
    if geom.is_empty:
        return None, "empty geometry"
    if not shapely.is_valid(geom):
        return None, f"invalid geometry: {shapely.is_valid_reason(geom)}"
    return geom, None
