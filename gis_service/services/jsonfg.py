"""JSON-FG 1.0 (OGC Features and Geometries JSON): GeoJSON plus ``place`` in the requested CRS.

``geometry`` stays CRS84, as GeoJSON readers expect; ``place`` carries the same geometry in the
requested CRS and its EPSG axis order (EPSG:4490 latitude first, EPSG:4547 northing first),
named by ``coordRefSys`` on the document. In CRS84, ``place`` is null (``geometry`` says it all).
``time`` is the reported status date, or null where there is none.
"""
from __future__ import annotations

import json

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from gis_service.crs import CRS84, CrsSpec, apply_axis_order, from_storage, to_storage
from gis_service.errors import InvalidInput
from gis_service.queries.features import ItemsQuery

JSONFG_MEDIA_TYPE = "application/vnd.ogc.fg+json"
JSONFG_CORE = "http://www.opengis.net/spec/json-fg-1/1.0/conf/core"
PROJECTED_DECIMALS, GEOGRAPHIC_DECIMALS = 3, 9  # mm; ~0.1 mm


def split_place_crs(q: ItemsQuery) -> CrsSpec:
    """The CRS asked for becomes the ``place`` CRS; the query itself returns CRS84 geometry."""
    place = q.out_crs
    if place.uri is None:
        raise InvalidInput(f"JSON-FG 需要有 URI 的坐标系，{place.label} 没有",
                           f"JSON-FG needs a CRS with a URI; {place.label} has none",
                           detail={"parameter": "crs", "value": place.label}, status=400)
    q.out_crs = CRS84
    return place


def _place(geometry: dict | None, crs: CrsSpec) -> dict | None:
    if geometry is None or crs.is_crs84:
        return None
    geom = from_storage(to_storage(shape(geometry), CRS84), crs)
    decimals = GEOGRAPHIC_DECIMALS if crs.lat_first or crs.epsg in (4326, 4490) else PROJECTED_DECIMALS
    geom = shapely.transform(apply_axis_order(geom, crs), lambda c: np.round(c, decimals))
    return json.loads(json.dumps(mapping(geom)))  # tuples → lists


def _time(feature: dict, temporal: str | None) -> dict | None:
    value = (feature.get("properties") or {}).get(temporal) if temporal else None
    return {"date": str(value)[:10]} if value else None


def jsonfg_feature(feature: dict, crs: CrsSpec, temporal: str | None) -> dict:
    out = {"type": "Feature", "id": feature.get("id"), "time": _time(feature, temporal),
           "place": _place(feature.get("geometry"), crs), "geometry": feature.get("geometry"),
           "properties": feature.get("properties")}
    return {**out, **{k: v for k, v in feature.items() if k not in out}}


def jsonfg_document(geojson: dict, crs: CrsSpec, temporal: str | None) -> dict:
    """A GeoJSON Feature or FeatureCollection as a JSON-FG root object."""
    root = {"conformsTo": [JSONFG_CORE], "coordRefSys": crs.uri}
    if geojson.get("type") == "FeatureCollection":
        features = [jsonfg_feature(f, crs, temporal) for f in geojson.get("features", [])]
        return {"type": "FeatureCollection", **root, **{k: v for k, v in geojson.items()
                                                        if k not in ("type", "features")}, "features": features}
    return {**root, **jsonfg_feature(geojson, crs, temporal)}
