"""Coordinate hints: what the sender probably meant when a parcel lands outside 城区.

A parcel that lands outside 城区 (or outside China, or out of range) is read again in the
CRSs a survey file round 城区 is likely to be in: the neighbouring 3-degree Gauss-Krüger zones
of CGCS2000 with and without the zone prefix, each with the axes as given and swapped
(northing first, as survey files write X), and lon/lat with the axes swapped. Every reading
that puts the parcel's centre inside 城区 is named. A parcel inside 城区 read as CRS84 only
because no ``crs`` was sent also gets the GCJ-02 reading when that moves it far enough to matter:
高德/腾讯 web-map coordinates are GCJ-02 and need ``crs=gcj02``.
"""
from __future__ import annotations

import math
from typing import Any

import pyproj

from gis_service.crs import CRS84, GCJ02, CrsSpec, gcj02_to_wgs84, get_transformer
from gis_service.queries.analysis import points_in_district

# CGCS2000 3-degree GK, central meridians 111/114/117 E: without zone prefix, then with it (zones 37-39).
GK_ZONES = ((4546, 111, None), (4547, 114, None), (4548, 117, None),
            (4525, 111, 37), (4526, 114, 38), (4527, 117, 39))
GCJ_HINT_M = 100.0  # below this a GCJ-02 reading changes nothing a screening would notice
_GEOD = pyproj.Geod(ellps="GRS80")


def centre_of(mapping: Any) -> tuple[float, float] | None:
    """Mean of the raw x, y positions of a GeoJSON geometry mapping (no CRS assumed)."""
    xs, ys, stack = [], [], [mapping.get("coordinates") if isinstance(mapping, dict) else None]
    while stack:
        item = stack.pop()
        if isinstance(item, list) and len(item) >= 2 and all(isinstance(v, (int, float)) for v in item[:2]):
            xs.append(float(item[0]))
            ys.append(float(item[1]))
        elif isinstance(item, list):
            stack.extend(item)
    if not xs or not all(math.isfinite(v) for v in xs + ys):
        return None
    return sum(xs) / len(xs), sum(ys) / len(ys)


def _readings(x: float, y: float, given: CrsSpec) -> list[dict]:
    """Candidate (CRS, axis order) readings of one position and where each puts it in EPSG:4490."""
    out = []
    for code, meridian, zone in GK_ZONES:
        for swapped in (False, True):
            easting, northing = (y, x) if swapped else (x, y)
            low, high = (zone * 1e6 + 1e5, zone * 1e6 + 9e5) if zone else (1e5, 9e5)
            if not (low <= easting <= high and 1e6 <= northing <= 6e6):
                continue
            out.append({"crs": f"EPSG:{code}", "meridian": meridian, "zone": zone, "swapped": swapped,
                        "xy": (easting, northing)})
    if -90 <= x <= 90 and -180 <= y <= 180:
        out.append({"crs": "CRS84", "meridian": None, "zone": None, "swapped": True, "xy": (y, x)})
    for reading in out:
        source = "OGC:CRS84" if reading["crs"] == "CRS84" else reading["crs"]
        lon, lat = get_transformer(source, "EPSG:4490").transform(*reading["xy"])
        reading["lonlat"] = (float(lon), float(lat))
    return [r for r in out if all(math.isfinite(v) for v in r["lonlat"])
            and not (r["crs"] == given.label and not r["swapped"])]


def _words(reading: dict) -> tuple[str, str]:
    crs, meridian, zone = reading["crs"], reading["meridian"], reading["zone"]
    if crs == "CRS84":
        return ("经纬度颠倒：按 经度, 纬度 交换后地块位于城区内；请求体坐标一律为 x, y（经度在前）",
                "latitude and longitude look swapped: read as longitude, latitude the parcel lies in 城区; "
                "coordinates in the body are always x, y (longitude first)")
    name_zh = f"CGCS2000 3度带高斯-克吕格 中央经线{meridian}°E" + (f"（带号 {zone}，东坐标含带号）" if zone else "（不含带号）")
    name_en = f"CGCS2000 / 3-degree Gauss-Kruger CM {meridian}E" + (f" (zone {zone}, easting with zone prefix)"
                                                                    if zone else " (no zone prefix)")
    if reading["swapped"]:
        return (f"坐标似为 北坐标, 东坐标（测量文件的 X, Y）：交换为 东坐标, 北坐标 并按 {crs}（{name_zh}）读取，"
                f"地块位于城区内；请交换坐标顺序并加 crs={crs}",
                f"the coordinates look like northing, easting (a survey file's X, Y): swapped to easting, "
                f"northing and read as {crs} ({name_en}) the parcel lies in 城区; swap them and pass crs={crs}")
    return (f"按 {crs}（{name_zh}）读取，地块位于城区内；请改用 crs={crs}",
            f"read as {crs} ({name_en}) the parcel lies in 城区; pass crs={crs}")


def _axis_order(reading: dict) -> str:
    """The axis order the sender used, as this reading understands it."""
    if not reading["swapped"]:
        return "longitude,latitude" if reading["crs"] == "CRS84" else "easting,northing"
    return "latitude,longitude" if reading["crs"] == "CRS84" else "northing,easting"


def crs_hints(conn, mapping: Any, given: CrsSpec, district: Any = None) -> list[dict]:
    """The readings of ``mapping`` that put it in 城区, most likely first (as given axes before swapped).

    ``district``: 城区 as the check saw it (``queries.analysis.Checked``), else it is asked for."""
    centre = centre_of(mapping)
    if centre is None:
        return []
    readings = _readings(*centre, given)
    inside = points_in_district(conn, [r["lonlat"] for r in readings], district)
    hints = []
    for reading, ok in sorted(zip(readings, inside), key=lambda pair: pair[0]["swapped"]):
        if ok:
            zh, en = _words(reading)
            hints.append({"kind": "crs", "crs": reading["crs"], "axis_order": _axis_order(reading),
                          "swap_axes": reading["swapped"], "zh": zh, "en": en})
    return hints


def gcj02_hint(conn, mapping: Any, district: Any = None) -> list[dict]:
    """For a parcel sent without ``crs`` (read as CRS84): the GCJ-02 reading, when it moves the parcel."""
    centre = centre_of(mapping)
    if centre is None:
        return []
    lon, lat = (float(v) for v in gcj02_to_wgs84(centre[0], centre[1]))
    _, _, offset = _GEOD.inv(centre[0], centre[1], lon, lat)
    if offset < GCJ_HINT_M or not all(points_in_district(conn, [centre, (lon, lat)], district)):
        return []
    return [{"kind": "gcj02", "crs": GCJ02.label, "offset_m": round(offset, 1),
             "zh": f"未给出 crs，坐标按 CRS84（WGS84 经纬度）读取。若坐标取自高德、腾讯等网页地图（GCJ-02 火星坐标），"
                   f"须加 crs=gcj02：按 GCJ-02 读取，地块将移动约 {offset:,.0f} 米",
             "en": f"no crs was sent, so the coordinates were read as CRS84 (WGS84 lon/lat). Coordinates taken "
                   f"from a Chinese web map (Amap/Tencent, GCJ-02) need crs=gcj02: read as GCJ-02 the parcel "
                   f"moves by about {offset:,.0f} m"}]


def hints_for(conn, mapping: Any, spec: CrsSpec, *, outside: bool, crs_given: bool,
              district: Any = None) -> list[dict]:
    if outside:
        return crs_hints(conn, mapping, spec, district)
    if not crs_given and spec == CRS84:
        return gcj02_hint(conn, mapping, district)
    return []

