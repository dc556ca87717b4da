"""Decoding MVT tiles back into EPSG:3857 shapely geometries, independently of the server's SQL."""
from __future__ import annotations

import math

import mapbox_vector_tile
import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import shape

HALF = 20037508.342789244
TO_MERC = Transformer.from_crs(4490, 3857, always_xy=True)


def tile_for(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def envelope(z: int, x: int, y: int) -> shapely.Polygon:
    size = 2 * HALF / 2 ** z
    minx, maxy = -HALF + x * size, HALF - y * size
    return shapely.box(minx, maxy - size, minx + size, maxy)


def pixel_m(z: int) -> float:
    return 2 * HALF / (256 * 2 ** z)


def decode(body: bytes, z: int, x: int, y: int) -> dict[str, dict[str, tuple[shapely.Geometry, dict]]]:
    """{layer: {id: (geometry in EPSG:3857, properties)}}; MVT y grows up after decoding."""
    env = envelope(z, x, y)
    minx, miny, maxx, _ = env.bounds
    scale = (maxx - minx)
    out = {}
    for name, layer in mapbox_vector_tile.decode(body).items():
        unit = scale / layer.get("extent", 4096)
        feats = {}

        def to_world(c, unit=unit):
            return np.column_stack([minx + c[:, 0] * unit, miny + c[:, 1] * unit])
        for f in layer["features"]:
            g = shapely.transform(shape(f["geometry"]), to_world)
            feats[str(f["properties"].get("id", f.get("id")))] = (g, f["properties"])
        out[name] = feats
    return out


def to_merc(wkb: bytes) -> shapely.Geometry:
    return shapely.transform(shapely.from_wkb(bytes(wkb)),
                             lambda xy: np.column_stack(TO_MERC.transform(xy[:, 0], xy[:, 1])))
