"""Build every file in layers/ from layers/sources and the two PyPI boundary packages."""
from __future__ import annotations

from pathlib import Path

from . import demo, indicators, manifest, sources_doc
from .admin import admin_features
from .boundary import check, context_features
from .common import write_collection
from .ecology import corridor_features, ecology_features
from .points import other_place_features, project_features, village_features
from .zones import agri_features, sub_area_features, zone_features


def collections() -> dict[str, list[dict]]:
    return {
        "admin_units": admin_features(),
        "sub_areas": sub_area_features(),
        "function_zones": zone_features(),
        "agri_areas": agri_features(),
        "urban_village_sites": village_features(),
        "green_corridors": corridor_features(),
        "ecology_sites": ecology_features(),
        "projects": project_features(),
        "other_places": other_place_features(),
        "admin_context": context_features(),
    }


def build(out_dir: Path) -> None:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    chk = check()
    if not chk.ok:
        raise RuntimeError(f"城区 outline fails the Tianditu check: {chk}")
    colls = collections()
    for cid, feats in colls.items():
        write_collection(out_dir, cid, feats)
    manifest.write(out_dir / "manifest.yml")
    indicators.write(out_dir / "indicators.csv")
    demo.write(out_dir / "demo" / "progress.csv",
               {cid: {f["id"] for f in feats} for cid, feats in colls.items()})
    sources_doc.write(out_dir / "SOURCES.md", chk, colls)
