"""Test parcels built from the layers' own geometry, in EPSG:4547 (metres), then sent as EPSG:4490."""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import mapping

from .conftest import TO_4490, TO_4547, project


def longest_segment(line) -> tuple[np.ndarray, np.ndarray]:
    coords = np.asarray(line.coords)
    lengths = np.hypot(*(coords[1:] - coords[:-1]).T)
    i = int(np.argmax(lengths))
    return coords[i], coords[i + 1]


def rectangle(origin, along, across, a0: float, a1: float, c0: float, c1: float):
    """Rectangle spanning [a0, a1] along ``along`` and [c0, c1] along ``across`` from ``origin``."""
    corners = [origin + along * a + across * c for a, c in ((a0, c0), (a1, c0), (a1, c1), (a0, c1))]
    return shapely.Polygon(corners)


def frame(p, q):
    direction = (q - p) / np.hypot(*(q - p))
    return (p + q) / 2, direction, np.array([-direction[1], direction[0]])


def half_inside(zone_4547, side: float = 100.0):
    """A square whose area is split about evenly by the zone's edge (at its longest edge)."""
    ring = max(shapely.get_parts(zone_4547), key=lambda g: g.area).exterior
    mid, along, normal = frame(*longest_segment(ring))
    if not zone_4547.contains(shapely.Point(mid + normal * 1)):
        normal = -normal
    return rectangle(mid, along, normal, -side / 20, side / 20, -side / 2, side / 2)


def straddling(unit_a, unit_b, share_a: float = 0.3, length: float = 60.0):
    """A rectangle across the shared edge of two units, ``share_a`` of it inside ``unit_a``."""
    shared = shapely.line_merge(shapely.intersection(unit_a.boundary, unit_b.boundary))
    lines = [g for g in shapely.get_parts(shared) if g.geom_type == "LineString"]
    mid, along, normal = frame(*longest_segment(max(lines, key=lambda g: g.length)))
    if not unit_a.contains(shapely.Point(mid + normal * 1)):
        normal = -normal
    return rectangle(mid, along, normal, -10, 10, -(1 - share_a) * length, share_a * length)


def near_line(line_4547, gap: float = 5.0, side: float = 30.0):
    """A square whose nearest edge is ``gap`` metres from the middle of the line's longest segment."""
    line = max(shapely.get_parts(line_4547), key=lambda g: g.length)
    mid, along, normal = frame(*longest_segment(line))
    return rectangle(mid, along, normal, -side / 2, side / 2, gap, gap + side)


def to_body(geom_4547, crs: str = "EPSG:4490") -> dict:
    """GeoJSON Geometry (x, y) in EPSG:4490 for a parcel built in metres."""
    return mapping(project(geom_4547, TO_4490))


def as_4547(geom_4490):
    return project(geom_4490, TO_4547)
