"""界址点 coordinate lists: parcel id, point number, X (northing), Y (easting), in a stated CRS.

Two layouts: a CSV with a header row (宗地编码/点号/X/Y, optional 圈号), and the land
bureau's exchange text (``[属性描述]`` … ``[地块坐标]``: a header line per parcel ending in
``@``, then ``点号,圈号,X,Y`` lines). X is the northing, as surveyors write it.
"""
from __future__ import annotations

import re
from io import StringIO

import pandas as pd

from gis_service.crs import CrsSpec, parse_crs
from gis_service.errors import InvalidFile, UnsupportedCrs

ID_COLUMNS = ("宗地编码", "宗地代码", "宗地号", "地块编号", "地块编码", "parcel_id", "parcel", "id")
POINT_COLUMNS = ("点号", "界址点号", "界址点", "point", "point_no", "pt")
RING_COLUMNS = ("圈号", "地块圈号", "ring")
X_COLUMNS = ("x", "x坐标", "北坐标", "northing", "n")
Y_COLUMNS = ("y", "y坐标", "东坐标", "easting", "e")


def _column(columns: list[str], names: tuple[str, ...]) -> str | None:
    lower = {c.strip().lower(): c for c in columns}
    return next((lower[n.lower()] for n in names if n.lower() in lower), None)


def is_point_list(columns: list[str]) -> bool:
    return all(_column(columns, names) for names in (ID_COLUMNS, POINT_COLUMNS, X_COLUMNS, Y_COLUMNS))


def decode(raw: bytes, shown: str) -> str:
    for codec in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    raise InvalidFile(f"{shown}：无法按 UTF-8 或 GBK 解码", f"{shown}: cannot be decoded as UTF-8 or GBK",
                      detail={"file": shown})


def _polygon(points: list[tuple[int, float, float]]) -> dict:
    """GeoJSON Polygon (x = easting, y = northing) from (ring, northing, easting) points in file order."""
    rings: dict[int, list[list[float]]] = {}
    for ring, northing, easting in points:
        rings.setdefault(ring, []).append([easting, northing])
    coordinates = []
    for ring in rings.values():
        if len(ring) > 1 and ring[0] != ring[-1]:
            ring = [*ring, ring[0]]  # lists often leave the closing point implicit
        coordinates.append(ring)
    return {"type": "Polygon", "coordinates": coordinates}


def read_point_csv(text: str, shown: str) -> tuple[list[str], list[tuple[dict, dict | None, str | None]]]:
    """Columns and (attributes, polygon mapping, error) per parcel of a 界址点 CSV."""
    table = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    table.columns = [str(c).strip() for c in table.columns]
    columns = list(table.columns)
    id_col, x_col, y_col = (_column(columns, n) for n in (ID_COLUMNS, X_COLUMNS, Y_COLUMNS))
    point_col, ring_col = _column(columns, POINT_COLUMNS), _column(columns, RING_COLUMNS)
    keep = [c for c in columns if c not in (point_col, x_col, y_col, ring_col)]
    parcels: dict[str, dict] = {}
    for line, record in enumerate(table.to_dict("records"), start=2):
        parcel = parcels.setdefault(record[id_col], {"attributes": {c: record[c] for c in keep},
                                                     "points": [], "error": None})
        try:
            ring = int(float(record[ring_col])) if ring_col and record[ring_col] else 1
            parcel["points"].append((ring, float(record[x_col]), float(record[y_col])))
        except ValueError:
            parcel["error"] = parcel["error"] or (f"第 {line} 行坐标无效：{record[x_col]!r}, {record[y_col]!r}",
                                                  f"line {line}: invalid coordinates {record[x_col]!r}, {record[y_col]!r}")
    out = [(p["attributes"], None if p["error"] else _polygon(p["points"]), p["error"]) for p in parcels.values()]
    return keep, out


_SECTION = re.compile(r"^\s*\[(.+?)\]\s*$")


def read_exchange_txt(text: str, shown: str) -> tuple[list[str], list[tuple[dict, dict | None, str | None]], CrsSpec | None]:
    """The 国土 exchange format: columns, parcels, and the CRS its header states (if any)."""
    header: dict[str, str] = {}
    parcels: list[dict] = []
    section = None
    for line_no, line in enumerate(text.splitlines(), start=1):
        match = _SECTION.match(line)
        if match:
            section = match.group(1).strip()
            continue
        line = line.strip()
        if not line:
            continue
        if section == "属性描述" and "=" in line:
            key, _, value = line.partition("=")
            header[key.strip()] = value.strip()
        elif section == "地块坐标":
            fields = [f.strip() for f in line.split(",")]
            if fields[-1] == "@":
                parcels.append({"attributes": {"界址点数": fields[0], "地块面积": fields[1],
                                               "地块编号": fields[2], "地块名称": fields[3],
                                               "图形属性": fields[4], "地块用途": fields[6] if len(fields) > 6 else "",
                                               "地类编码": fields[7] if len(fields) > 7 else ""},
                                "points": [], "error": None})
            elif parcels and len(fields) >= 4:
                try:
                    parcels[-1]["points"].append((int(float(fields[1] or 1)), float(fields[2]), float(fields[3])))
                except ValueError:
                    parcels[-1]["error"] = parcels[-1]["error"] or (
                        f"第 {line_no} 行坐标无效：{line!r}", f"line {line_no}: invalid coordinates {line!r}")
    if not parcels:
        raise InvalidFile(f"{shown}：没有 [地块坐标] 段或其中没有地块", f"{shown}: no parcels under [地块坐标]",
                          detail={"file": shown})
    columns = list(parcels[0]["attributes"])
    rows = [(p["attributes"], None if p["error"] else _polygon(p["points"]), p["error"]) for p in parcels]
    return columns, rows, _stated_crs(header, rows, shown)


def _stated_crs(header: dict[str, str], rows: list, shown: str) -> CrsSpec | None:
    system = header.get("坐标系", "")
    if any(word in system for word in ("西安", "1980", "北京", "1954")):
        raise UnsupportedCrs(
            f"{shown} 声明的坐标系为“{system}”。它与 CGCS2000 之间没有公开的标准转换参数，"
            "请先用当地自然资源部门提供的参数转换到 CGCS2000。",
            f"{shown} states the coordinate system {system!r} (Xi'an 1980 / Beijing 1954); no standard "
            "parameters relate it to CGCS2000. Convert with locally issued parameters first.",
            detail={"file": shown, "crs": system})
    if "2000" not in system:
        return None
    zone = header.get("带号", "").strip()
    width = header.get("几度分带", "3").strip()
    eastings = [pt[0] for _, mapping, _ in rows if mapping for ring in mapping["coordinates"] for pt in ring]
    prefixed = bool(eastings) and min(eastings) > 1_000_000
    if width == "3" and zone in ("38", "114"):
        return parse_crs(4526 if prefixed else 4547)
    return None
