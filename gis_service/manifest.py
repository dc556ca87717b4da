"""The manifest, read from ``layers/manifest.yml``: what each plan collection is called and how it looks.

The manifest describes plan collections (titles, geometry type, style); the
database model decides storage. Both must agree, which the loader checks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from gis_service.errors import InvalidFile


@dataclass(frozen=True)
class CollectionSpec:
    id: str
    file: str
    title_zh: str
    title_en: str
    geometry_type: str
    description_zh: str = ""
    description_en: str = ""
    source: str = ""
    license: str = ""
    progress: bool = False
    style: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    directory: Path
    crs: str
    collections: tuple[CollectionSpec, ...]
    attribution: str = ""   # the source line every map, page and report carries

    @cached_property
    def _by_id(self) -> dict[str, CollectionSpec]:
        by_id: dict[str, CollectionSpec] = {}
        for spec in self.collections:
            by_id.setdefault(spec.id, spec)  # the first of a repeated id, as a scan finds it
        return by_id

    def get(self, collection_id: str) -> CollectionSpec | None:
        return self._by_id.get(collection_id)


def _bilingual(value, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or "")
    return str(value or "")


def read_manifest(layers_dir: Path) -> Manifest:
    path = Path(layers_dir) / "manifest.yml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidFile(f"找不到图层清单 {path}", f"layer manifest not found: {path}",
                          detail={"file": str(path)}) from None
    except yaml.YAMLError as exc:
        raise InvalidFile(f"图层清单格式错误 {path}", f"manifest is not valid YAML: {path}: {exc}",
                          detail={"file": str(path)}) from None
    collections = []
    for i, entry in enumerate(raw.get("collections") or []):
        missing = [k for k in ("id", "file", "title", "geometry_type") if not entry.get(k)]
        if missing:
            raise InvalidFile(
                f"图层清单第 {i + 1} 项缺少字段 {missing}",
                f"manifest entry {i + 1} lacks {missing}",
                detail={"file": str(path), "entry": i + 1, "missing": missing},
            )
        style = dict(entry.get("style") or {})
        for key in ("style_by", "classes"):
            if key in entry:
                style[key] = entry[key]
        collections.append(CollectionSpec(
            id=entry["id"], file=entry["file"],
            title_zh=_bilingual(entry["title"], "zh"), title_en=_bilingual(entry["title"], "en"),
            description_zh=_bilingual(entry.get("description"), "zh"),
            description_en=_bilingual(entry.get("description"), "en"),
            geometry_type=entry["geometry_type"], source=str(entry.get("source") or ""),
            license=str(entry.get("license") or ""), progress=bool(entry.get("progress")),
            style=style,
        ))
    return Manifest(directory=Path(layers_dir), crs=str(raw.get("crs") or ""),
                    collections=tuple(collections), attribution=str(raw.get("attribution") or ""))
