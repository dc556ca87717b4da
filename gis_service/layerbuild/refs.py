"""Inventory rows and plan citations."""
from __future__ import annotations

import re

from .common import inventory

# where each 专栏 sits in the plan text (chapter / section / item)
BOX_SECTION = {
    "专栏1": "第三章第二节",
    "专栏2": "第三章第三节",
    "专栏3": "第三章第四节",
    "专栏4": "第四章第一节",
    "专栏5": "第五章第四节",
    "专栏6": "第七章第一节",
    "专栏7": "第七章第二节",
    "专栏8": "第七章第五节二",
}


def plan_ref(raw: str) -> str:
    """Prefix bare '专栏N ...' citations with their chapter/section."""
    parts = []
    for part in (p.strip() for p in raw.split(" / ")):
        m = re.match(r"专栏(\d)", part)
        if m and "章" not in part:
            part = f"{BOX_SECTION['专栏' + m.group(1)]} {part}"
        parts.append(part)
    return " / ".join(parts)


def box_of(raw: str) -> str | None:
    m = re.search(r"专栏(\d)", raw)
    return f"专栏{m.group(1)}" if m else None


def rows(layer: str) -> list[dict]:
    return [r for r in inventory() if r["layer"] == layer]


def base_props(row: dict) -> dict:
    """Properties every feature takes from its inventory row."""
    return {
        "name": row["name"],
        "category": row["category"],
        "plan_ref": plan_ref(row["plan_ref"]),
        "zhuanlan": box_of(row["plan_ref"]),
        "area_hint": row["area_hint"] or None,
        "inventory_note": row["note"] or None,
    }
