"""Exact coverages on the file grid (no sliver gaps or overlaps).

Separate overlays, even snap-rounded ones, leave 1e-8° slivers between
neighbours. Instead all boundaries are noded once on the 1e-7° grid,
polygonized into faces, and each face is given to one owner, so neighbours
share identical edges.
"""
from __future__ import annotations

import shapely
from shapely.geometry import MultiPolygon

from .common import GRID, as_multipolygon


def faces(geoms) -> list:
    lines = shapely.union_all([shapely.boundary(g) for g in geoms], grid_size=GRID)
    out = list(shapely.polygonize(list(shapely.get_parts(lines))).geoms)
    return sorted(out, key=lambda f: (f.bounds, f.area))


def coverage(pieces: dict, order: list[str], fill: bool = False, frame=None) -> dict:
    """Give each face to the first key in `order` whose piece covers it.

    fill: faces no piece covers (slivers) go to the nearest piece, so the
    result tiles the union of the pieces exactly. frame: ignore faces outside it.
    """
    owned: dict[str, list] = {k: [] for k in order}
    for face in faces([pieces[k] for k in order] + ([frame] if frame is not None else [])):
        pt = face.point_on_surface()
        if frame is not None and not frame.covers(pt):
            continue
        owner = next((k for k in order if pieces[k].covers(pt)), None)
        if owner is None and fill:
            owner = min(order, key=lambda k: (pieces[k].distance(pt), order.index(k)))
        if owner is not None:
            owned[owner].append(face)
    return {k: as_multipolygon(shapely.union_all(v)) if v else MultiPolygon()
            for k, v in owned.items()}
