"""Small hand-made seed layers for loader tests (independent of layers/)."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

CRS_4490 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}


def square(x: float, y: float, d: float = 0.01) -> dict:
    ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
    return {"type": "MultiPolygon", "coordinates": [[ring]]}


def feature(fid: str, name: str, geometry: dict | None, **extra) -> dict:
    props = {"id": fid, "name": name, "category": "test", "plan_ref": "专栏1",
             "geometry_quality": "schematic",
             "location_basis": "unlocated" if geometry is None else "gazetteer",
             "source": "test fixture", **extra}
    return {"type": "Feature", "id": fid, "properties": props, "geometry": geometry}


def write_layers(directory: Path, projects: list[dict], villages: list[dict]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    manifest = {"version": 1, "crs": "EPSG:4490", "collections": [
        {"id": "projects", "file": "projects.geojson", "title": {"zh": "项目", "en": "Projects"},
         "geometry_type": "Point", "progress": True},
        {"id": "urban_village_sites", "file": "urban_village_sites.geojson",
         "title": {"zh": "城中村", "en": "Urban villages"}, "geometry_type": "MultiPolygon",
         "progress": True},
    ]}
    (directory / "manifest.yml").write_text(yaml.safe_dump(manifest, allow_unicode=True), "utf-8")
    for name, feats in (("projects", projects), ("urban_village_sites", villages)):
        doc = {"type": "FeatureCollection", "crs": CRS_4490, "features": feats}
        (directory / f"{name}.geojson").write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return directory


def default_layers(directory: Path) -> Path:
    projects = [
        feature("p1", "晋城国际物流园", {"type": "Point", "coordinates": [112.85, 35.50]}),
        feature("p2", "疾病防控能力建设", None),
    ]
    villages = [feature("v1", "北石店村", square(112.89, 35.54))]
    return write_layers(directory, projects, villages)
