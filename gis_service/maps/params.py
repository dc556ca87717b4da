"""URL parameters of the map pages (shared by the HTML pages and the static images)."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from gis_service.errors import BadParameter
from gis_service.maps.base import BASEMAP_CHOICES

UNIT_KINDS = ("admin_units", "sub_areas")
MAX_DPI = 300


@dataclass(frozen=True)
class MapParams:
    embed: bool = False
    layers: tuple[str, ...] | None = None   # None: the page's default layers
    bbox: tuple[float, float, float, float] | None = None  # lon/lat
    center: tuple[float, float] | None = None  # lat, lon
    zoom: int | None = None
    basemap: str | None = None
    as_of: dt.date | None = None
    category: str | None = None
    zhuanlan: str | None = None
    by: str = "admin_units"

    def query(self, **changes) -> dict[str, str]:
        """These parameters as a query dict (for links between pages and images)."""
        values = {**self.__dict__, **changes}
        out = {}
        if values["embed"]:
            out["embed"] = "1"
        if values["layers"] is not None:
            out["layers"] = ",".join(values["layers"])
        if values["bbox"]:
            out["bbox"] = ",".join(f"{v:g}" for v in values["bbox"])
        if values["center"]:
            out["center"] = ",".join(f"{v:g}" for v in values["center"])
        if values["zoom"] is not None:
            out["zoom"] = str(values["zoom"])
        for key in ("basemap", "category", "zhuanlan"):
            if values[key]:
                out[key] = values[key]
        if values["as_of"]:
            out["as_of"] = values["as_of"].isoformat()
        if values["by"] != "admin_units":
            out["by"] = values["by"]
        return out


def _floats(name: str, value: str, count: int) -> tuple[float, ...]:
    try:
        numbers = tuple(float(v) for v in value.split(","))
    except ValueError:
        raise BadParameter(name, f"应为 {count} 个数字", f"expected {count} comma-separated numbers") from None
    if len(numbers) != count or not all(math.isfinite(n) for n in numbers):
        raise BadParameter(name, f"应为 {count} 个数字", f"expected {count} comma-separated numbers")
    return numbers


def parse_map_params(query: dict[str, str], known_layers: tuple[str, ...] = ()) -> MapParams:
    embed = query.get("embed", "0").lower() in ("1", "true", "yes")
    layers = None
    if query.get("layers"):
        layers = tuple(dict.fromkeys(v.strip() for v in query["layers"].split(",") if v.strip()))
        unknown = [v for v in layers if known_layers and v not in known_layers]
        if unknown:
            raise BadParameter("layers", f"未知图层 {', '.join(unknown)}", f"unknown layers {unknown}; "
                      f"use {', '.join(known_layers)}")
    bbox = None
    if query.get("bbox"):
        bbox = _floats("bbox", query["bbox"], 4)
        if not (-180 <= bbox[0] < bbox[2] <= 180 and -90 <= bbox[1] < bbox[3] <= 90):
            raise BadParameter("bbox", "应为 minLon,minLat,maxLon,maxLat", "expected minLon,minLat,maxLon,maxLat")
    center = None
    if query.get("center"):
        center = _floats("center", query["center"], 2)
        if not (-90 <= center[0] <= 90 and -180 <= center[1] <= 180):
            raise BadParameter("center", "应为 纬度,经度", "expected lat,lon")
    zoom = None
    if query.get("zoom"):
        try:
            zoom = int(query["zoom"])
        except ValueError:
            raise BadParameter("zoom", "应为 1–20 的整数", "expected an integer 1–20") from None
        if not 1 <= zoom <= 20:
            raise BadParameter("zoom", "应为 1–20 的整数", "expected an integer 1–20")
    basemap = query.get("basemap") or None
    if basemap is not None and basemap not in BASEMAP_CHOICES:
        raise BadParameter("basemap", f"可选 {', '.join(BASEMAP_CHOICES)}", f"use one of {', '.join(BASEMAP_CHOICES)}")
    as_of = None
    if query.get("as_of"):
        try:
            as_of = dt.date.fromisoformat(query["as_of"])
        except ValueError:
            raise BadParameter("as_of", "应为 YYYY-MM-DD", "expected YYYY-MM-DD") from None
    by = query.get("by") or "admin_units"
    if by not in UNIT_KINDS:
        raise BadParameter("by", f"可选 {', '.join(UNIT_KINDS)}", f"use one of {', '.join(UNIT_KINDS)}")
    return MapParams(embed=embed, layers=layers, bbox=bbox, center=center, zoom=zoom, basemap=basemap,
                     as_of=as_of, category=query.get("category") or None,
                     zhuanlan=query.get("zhuanlan") or None, by=by)
