"""Coordinate reference systems: one vocabulary, storage conversion, GCJ-02/BD-09.

Storage is EPSG:4490 (CGCS2000) lon/lat. Coordinates handed to and returned by
this module are always x,y (lon,lat or easting,northing), whatever the EPSG axis
order says; ``CrsSpec.lat_first`` / ``northing_first`` tell the API when to swap
for clients that ask for an EPSG URI (see ``apply_axis_order``).

GCJ-02 (Amap/Tencent) and BD-09 (Baidu) are not in EPSG/PROJ. The forward
formulas are the widely published ones (eviltransform, coordtransform); the
inverses are fixed-point iterations on the forward formula.
"""
from __future__ import annotations

import functools
import math
import re
import threading
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np
import pyproj
import shapely
from pyproj.exceptions import CRSError

from gis_service.errors import UnknownCrs, UnsupportedCrs

STORAGE_EPSG = 4490
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI_PREFIX = "http://www.opengis.net/def/crs/EPSG/0/"
AREA_EPSG = 4547  # CGCS2000 / 3-degree GK CM 114E: areas and distances

# CRS84 first: it is the OGC API Features default.
SUPPORTED_OUTPUT_CRS: tuple[str, ...] = (
    CRS84_URI,
    *(f"{EPSG_URI_PREFIX}{code}" for code in (4490, 4326, 3857, 4547, 4526)),
)

# Datums with no published, standard transformation to CGCS2000/WGS84:
# converting them would silently shift data by up to ~100 m.
_REFUSED_DATUMS = {
    "Xian 1980": ("西安1980", "Xi'an 1980"),
    "Beijing 1954": ("北京1954", "Beijing 1954"),
    "New Beijing": ("新北京54", "New Beijing 1954"),
}


@dataclass(frozen=True)
class CrsSpec:
    kind: str  # 'epsg' | 'gcj02' | 'bd09'
    epsg: int | None
    uri: str | None  # OGC URI; None for gcj02/bd09, which have none
    lat_first: bool = False  # geographic CRS whose EPSG axis order is lat, lon
    northing_first: bool = False  # projected CRS whose EPSG axis order is N, E
    label: str = ""  # short human name: 'CRS84', 'EPSG:4490', 'gcj02'

    @property
    def is_crs84(self) -> bool:
        return self.uri == CRS84_URI

    @property
    def is_storage(self) -> bool:
        return self.kind == "epsg" and self.epsg == STORAGE_EPSG

    @property
    def pyproj_srs(self) -> str:
        """Definition for pyproj; gcj02/bd09 are offsets from WGS84."""
        if self.kind != "epsg":
            return "EPSG:4326"
        return "OGC:CRS84" if self.is_crs84 else f"EPSG:{self.epsg}"


CRS84 = CrsSpec("epsg", 4326, CRS84_URI, label="CRS84")
GCJ02 = CrsSpec("gcj02", None, None, label="gcj02")
BD09 = CrsSpec("bd09", None, None, label="bd09")

_ALIASES = {
    "crs84": CRS84, "ogc:crs84": CRS84,
    "gcj02": GCJ02, "gcj-02": GCJ02, "gcj": GCJ02,
    "bd09": BD09, "bd-09": BD09, "bd09ll": BD09,
}
_NAMED_EPSG = {"wgs84": 4326, "cgcs2000": 4490}
_EPSG_PATTERNS = [
    re.compile(r"^(?:epsg:)?(\d{4,6})$"),
    re.compile(r"^https?://www\.opengis\.net/def/crs/epsg/[^/]+/(\d{4,6})$"),
    re.compile(r"^urn:ogc:def:crs:epsg:[^:]*:(\d{4,6})$"),
]
_CRS84_PATTERNS = [
    re.compile(r"^https?://www\.opengis\.net/def/crs/ogc/[^/]+/crs84$"),
    re.compile(r"^urn:ogc:def:crs:ogc:[^:]*:crs84$"),
]


def parse_crs(value: str | int | None) -> CrsSpec:
    """Parse the shared CRS vocabulary of the CLI and the API.

    None or '' means CRS84, the OGC API default. Raises ``UnknownCrs`` for
    anything unrecognised and ``UnsupportedCrs`` for Xi'an 1980 / Beijing 1954
    and for non-horizontal CRSs.
    """
    if value is None:
        return CRS84
    if isinstance(value, bool):
        raise _unknown(value)
    if isinstance(value, int):
        return _spec_for_epsg(value)
    text = str(value).strip().lower()
    if not text:
        return CRS84
    if text in _NAMED_EPSG:
        return _spec_for_epsg(_NAMED_EPSG[text])
    if text in _ALIASES:
        return _ALIASES[text]
    if any(p.match(text) for p in _CRS84_PATTERNS):
        return CRS84
    for pattern in _EPSG_PATTERNS:
        match = pattern.match(text)
        if match:
            return _spec_for_epsg(int(match.group(1)))
    raise _unknown(value)


def _unknown(value: Any) -> UnknownCrs:
    return UnknownCrs(
        f"无法识别的坐标参考系：{value!r}。可用 EPSG 代码（如 4490、EPSG:4490）、OGC URI、CRS84、gcj02 或 bd09。",
        f"Unknown CRS {value!r}. Use an EPSG code (4490, EPSG:4490), an OGC URI, CRS84, gcj02 or bd09.",
        detail={"crs": str(value), "supported": list(SUPPORTED_OUTPUT_CRS) + ["gcj02", "bd09"]},
    )


@functools.lru_cache(maxsize=256)
def _spec_for_epsg(code: int) -> CrsSpec:
    try:
        crs = pyproj.CRS.from_epsg(code)
    except CRSError:
        raise _unknown(f"EPSG:{code}") from None
    check_crs_allowed(crs, label=f"EPSG:{code}")
    first_axis = crs.axis_info[0].direction.lower()
    return CrsSpec(
        kind="epsg",
        epsg=code,
        uri=f"{EPSG_URI_PREFIX}{code}",
        lat_first=crs.is_geographic and first_axis == "north",
        northing_first=crs.is_projected and first_axis == "north",
        label=f"EPSG:{code}",
    )


def check_crs_allowed(crs: pyproj.CRS, label: str | None = None) -> None:
    """Refuse datums without standard parameters and non-horizontal CRSs."""
    label = label or crs.name
    if not (crs.is_geographic or crs.is_projected) or len(crs.axis_info) < 2:
        raise UnsupportedCrs(
            f"{label}（{crs.type_name}）不是二维平面或地理坐标系，无法用于要素坐标。",
            f"{label} ({crs.type_name}) is not a 2D geographic or projected CRS.",
            detail={"crs": label},
        )
    datum = crs.geodetic_crs.datum.name if crs.geodetic_crs else ""
    for key, (name_zh, name_en) in _REFUSED_DATUMS.items():
        if key.lower() in datum.lower():
            raise UnsupportedCrs(
                f"{label} 基于{name_zh}坐标系。它与 CGCS2000 之间没有公开的标准转换参数，"
                "直接换算会产生数十至上百米偏差。请先用当地自然资源部门提供的参数转换到 CGCS2000（EPSG:4490/4547）。",
                f"{label} is based on {name_en}. No standard published parameters relate it to "
                "CGCS2000/WGS84, so converting would shift data by tens to hundreds of metres. "
                "Convert to CGCS2000 (EPSG:4490/4547) with locally issued parameters first.",
                detail={"crs": label, "datum": datum},
            )


def spec_from_pyproj(crs: pyproj.CRS) -> CrsSpec | None:
    """Map a file's CRS to a CrsSpec when it is an EPSG CRS, else None."""
    check_crs_allowed(crs)
    if crs.equals(pyproj.CRS("OGC:CRS84")):
        return CRS84
    code = crs.to_epsg(min_confidence=90)
    return _spec_for_epsg(code) if code else None


# --- GCJ-02 / BD-09 ------------------------------------------------------------
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_BD_X_PI = np.pi * 3000.0 / 180.0
_INVERSE_TOLERANCE_DEG = 1e-9  # ~0.1 mm, far below the 1 cm requirement
_INVERSE_MAX_ITER = 30

Coords = tuple[Any, Any]


def _as_arrays(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    lon_arr = np.asarray(lon, dtype=float)
    lat_arr = np.asarray(lat, dtype=float)
    return lon_arr, lat_arr, lon_arr.ndim == 0 and lat_arr.ndim == 0


def _result(x: np.ndarray, y: np.ndarray, scalar: bool) -> Coords:
    return (float(x), float(y)) if scalar else (x, y)


def _outside_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    # The published formula leaves coordinates outside this box unshifted.
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


# ``m``: numpy, or for one finite position plain floats (numpy's per-call cost: ~0.2 ms a conversion).
_SCALAR = SimpleNamespace(sin=math.sin, cos=math.cos, sqrt=math.sqrt, abs=abs, pi=math.pi, maximum=max, any=bool,
                          where=lambda cond, a, b: a if cond else b)


def _gcj_delta_lat(x: Any, y: Any, m: Any = np) -> Any:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * m.sqrt(m.abs(x))
    ret += (20.0 * m.sin(6.0 * x * m.pi) + 20.0 * m.sin(2.0 * x * m.pi)) * 2.0 / 3.0
    ret += (20.0 * m.sin(y * m.pi) + 40.0 * m.sin(y / 3.0 * m.pi)) * 2.0 / 3.0
    ret += (160.0 * m.sin(y / 12.0 * m.pi) + 320.0 * m.sin(y * m.pi / 30.0)) * 2.0 / 3.0
    return ret


def _gcj_delta_lon(x: Any, y: Any, m: Any = np) -> Any:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * m.sqrt(m.abs(x))
    ret += (20.0 * m.sin(6.0 * x * m.pi) + 20.0 * m.sin(2.0 * x * m.pi)) * 2.0 / 3.0
    ret += (20.0 * m.sin(x * m.pi) + 40.0 * m.sin(x / 3.0 * m.pi)) * 2.0 / 3.0
    ret += (150.0 * m.sin(x / 12.0 * m.pi) + 300.0 * m.sin(x / 30.0 * m.pi)) * 2.0 / 3.0
    return ret


def _wgs_to_gcj(lon: Any, lat: Any, m: Any = np) -> tuple[Any, Any]:
    dlat = _gcj_delta_lat(lon - 105.0, lat - 35.0, m)
    dlon = _gcj_delta_lon(lon - 105.0, lat - 35.0, m)
    rad_lat = lat / 180.0 * m.pi
    magic = 1.0 - _KRASOVSKY_EE * m.sin(rad_lat) ** 2
    sqrt_magic = m.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * m.pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrt_magic * m.cos(rad_lat) * m.pi)
    outside = _outside_china(lon, lat)
    return m.where(outside, lon, lon + dlon), m.where(outside, lat, lat + dlat)


def _gcj_to_bd(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _BD_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_to_gcj_approx(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 0.0065, lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(
    forward: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    target_x: np.ndarray,
    target_y: np.ndarray,
    guess_x: np.ndarray,
    guess_y: np.ndarray,
    m: Any = np,
) -> tuple[np.ndarray, np.ndarray]:
    # The offsets vary slowly with position, so x <- x - (f(x) - target)
    # converges in a handful of steps.
    x, y = guess_x, guess_y
    for _ in range(_INVERSE_MAX_ITER):
        fx, fy = forward(x, y)
        dx, dy = fx - target_x, fy - target_y
        x, y = x - dx, y - dy
        step = m.maximum(m.abs(dx), m.abs(dy))
        if getattr(step, "size", 1) == 0 or not m.any(step >= _INVERSE_TOLERANCE_DEG):
            break  # converged (NaN inputs compare False and stay NaN)
    return x, y


def wgs84_to_gcj02(lon: Any, lat: Any) -> Coords:
    x, y, scalar = _as_arrays(lon, lat)
    return _result(*_wgs_to_gcj(x, y), scalar)


def gcj02_to_wgs84(lon: Any, lat: Any) -> Coords:
    plain = isinstance(lon, float) and isinstance(lat, float) and math.isfinite(lon) and math.isfinite(lat)
    m = _SCALAR if plain else np
    x, y, scalar = (lon, lat, True) if plain else _as_arrays(lon, lat)
    first_x, first_y = _wgs_to_gcj(x, y, m)
    return _result(*_invert(functools.partial(_wgs_to_gcj, m=m), x, y, 2 * x - first_x, 2 * y - first_y, m), scalar)


def gcj02_to_bd09(lon: Any, lat: Any) -> Coords:
    x, y, scalar = _as_arrays(lon, lat)
    return _result(*_gcj_to_bd(x, y), scalar)


def bd09_to_gcj02(lon: Any, lat: Any) -> Coords:
    x, y, scalar = _as_arrays(lon, lat)
    return _result(*_invert(_gcj_to_bd, x, y, *_bd_to_gcj_approx(x, y)), scalar)


def wgs84_to_bd09(lon: Any, lat: Any) -> Coords:
    x, y, scalar = _as_arrays(lon, lat)
    return _result(*_gcj_to_bd(*_wgs_to_gcj(x, y)), scalar)


def bd09_to_wgs84(lon: Any, lat: Any) -> Coords:
    gx, gy = bd09_to_gcj02(lon, lat)
    return gcj02_to_wgs84(gx, gy)


# --- geometry conversion ---------------------------------------------------------
_STORAGE_SRS = f"EPSG:{STORAGE_EPSG}"
_TRANSFORMERS: dict[tuple[str, str], pyproj.Transformer] = {}
_TRANSFORMERS_KEPT = 64  # file CRSs come as WKT: many distinct keys over a server's life
_BUILDING = threading.Lock()


def get_transformer(source: str, target: str) -> pyproj.Transformer:
    """Cached x,y-ordered transformer between two pyproj definitions.

    Built once per process, under a lock: PROJ's operation search takes ~0.6 s for CRS84 ->
    CGCS2000, and sixteen first requests at once each ran it (seconds of CPU) before.
    """
    key = (source, target)
    found = _TRANSFORMERS.get(key)
    if found is None:
        with _BUILDING:
            found = _TRANSFORMERS.get(key)
            if found is None:
                if len(_TRANSFORMERS) >= _TRANSFORMERS_KEPT:
                    _TRANSFORMERS.pop(next(iter(_TRANSFORMERS)))
                found = _TRANSFORMERS[key] = _build_transformer(source, target)
    return found


def warm_transformers() -> None:
    """Build the transformers every parcel check and bbox query needs before the first one asks
    (the app runs it in a thread at start-up; requests meanwhile wait on the lock, not search too)."""
    for source, target in (("OGC:CRS84", _STORAGE_SRS), ("EPSG:4326", _STORAGE_SRS),
                           (_STORAGE_SRS, f"EPSG:{AREA_EPSG}"), (f"EPSG:{AREA_EPSG}", _STORAGE_SRS)):
        get_transformer(source, target)


def _build_transformer(source: str, target: str) -> pyproj.Transformer:
    """pyproj builds a transformer's PROJ object again in every thread that uses it. From the two
    CRSs that means the operation search again, paid by every new worker thread. Once PROJ has
    chosen a single operation, its pipeline is rebuilt per thread in ~0.3 ms with the same results.
    When PROJ picks an operation per coordinate (no single pipeline: its definition is not a PROJ
    string), the transformer is kept as built.
    """
    transformer = pyproj.Transformer.from_crs(source, target, always_xy=True)
    if transformer.definition.startswith("proj="):
        return pyproj.Transformer.from_pipeline(transformer.definition)
    return transformer


_OFFSET_TO_WGS84 = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_OFFSET_FROM_WGS84 = {"gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


def _coords_function(convert: Callable[[Any, Any], Coords]) -> Callable[[np.ndarray], np.ndarray]:
    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = convert(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return apply


def _pyproj_function(source: str, target: str) -> Callable[[Any, Any], Coords]:
    transformer = get_transformer(source, target)
    return lambda x, y: transformer.transform(x, y, errcheck=True)


def to_storage(geom: Any, spec: CrsSpec | pyproj.CRS) -> Any:
    """Convert x,y geometry (or array of geometries) in ``spec`` to EPSG:4490 lon/lat.

    Output is 2D. CGCS2000 and WGS84 differ by far less than a metre, so
    GCJ-02/BD-09 are converted to WGS84 and stored as CGCS2000 directly.
    A pyproj CRS is accepted for file CRSs that have no EPSG code (ESRI WKT).
    """
    geom = shapely.force_2d(geom)
    if isinstance(spec, pyproj.CRS):
        return shapely.transform(geom, _coords_function(_pyproj_function(spec.to_wkt(), _STORAGE_SRS)))
    if spec.is_storage:
        return geom
    if spec.kind in _OFFSET_TO_WGS84:
        return shapely.transform(geom, _coords_function(_OFFSET_TO_WGS84[spec.kind]))
    return shapely.transform(geom, _coords_function(_pyproj_function(spec.pyproj_srs, _STORAGE_SRS)))


def from_storage(geom: Any, spec: CrsSpec) -> Any:
    """Convert EPSG:4490 lon/lat geometry to x,y coordinates in ``spec`` (JSON-FG ``place``)."""
    if spec.is_storage:
        return geom
    if spec.kind in _OFFSET_FROM_WGS84:
        return shapely.transform(geom, _coords_function(_OFFSET_FROM_WGS84[spec.kind]))
    return shapely.transform(geom, _coords_function(_pyproj_function(_STORAGE_SRS, spec.pyproj_srs)))


def apply_axis_order(geom: Any, spec: CrsSpec) -> Any:
    """Swap x,y into the EPSG axis order (lat,lon / northing,easting) when it differs."""
    if spec.lat_first or spec.northing_first:
        return shapely.transform(geom, lambda coords: coords[:, ::-1])
    return geom
