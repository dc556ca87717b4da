"""The OpenAPI document, tuned for OGC clients.

* OpenAPI 3.0, because QGIS and GDAL look for the 3.0 media type and FastAPI
  writes 3.1: we convert the few 3.1-only constructs it emits.
* ``components.parameters.limit`` with a default and maximum: QGIS sizes its
  pages from it (without it QGIS falls back to 100-feature pages).
* One items path per collection, declaring its simple property filters
  (``style: form``, ``explode: false``).
* Every error is the one bilingual exception body (api/errors.py), declared
  as ``components.schemas.Exception`` for each error status and ``default``.
"""
from __future__ import annotations

import copy

from fastapi import FastAPI

from gis_service.crs import SUPPORTED_OUTPUT_CRS

SHARED_ITEM_PARAMETERS = ("limit", "offset", "bbox", "bbox-crs", "datetime", "filter", "filter-lang",
                          "filter-crs", "sortby", "properties", "skipGeometry", "crs", "precision",
                          "simplify", "f")
GENERIC_ITEMS_PATH = "/collections/{collectionId}/items"
MAX_OFFSET = 2**31 - 1  # deeper pages are meaningless, and larger numbers overflow SQL
EXCEPTION_SCHEMA = {
    "type": "object", "required": ["code", "message"],
    "description": "错误 / error: OGC exception (code, description) with the Chinese text and details",
    "properties": {"code": {"type": "string"}, "description": {"type": "string"},
                   "message": {"type": "string"}, "message_zh": {"type": "string"},
                   "detail": {"type": "object"}},
}
ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Exception"}}}


def _to_30(node):
    """Rewrite JSON Schema 2020-12 forms FastAPI emits into OpenAPI 3.0 schema objects."""
    if isinstance(node, list):
        return [_to_30(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _to_30(v) for k, v in node.items()}
    for key in ("anyOf", "oneOf"):
        options = node.get(key)
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            node.pop(key)
            if len(rest) == 1:
                node = {**rest[0], **node}
            else:
                node[key] = rest
            node["nullable"] = True
    if isinstance(node.get("type"), list):
        types = [t for t in node["type"] if t != "null"]
        if len(types) < len(node["type"]):
            node["nullable"] = True
        node["type"] = types[0] if len(types) == 1 else "string"
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if isinstance(node.get("examples"), list) and "in" not in node and "schema" not in node:
        examples = node.pop("examples")
        if examples:
            node["example"] = examples[0]
    for bound, flag in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(node.get(bound), (int, float)) and not isinstance(node.get(bound), bool):
            node[flag] = node.pop(bound)
            node[bound] = True
    if "$ref" in node and len(node) > 1:  # 3.0 ignores siblings of $ref: wrap instead
        node = {"allOf": [{"$ref": node.pop("$ref")}], **node}
    if node.get("contentMediaType") and node.get("type") == "string":
        node.pop("contentMediaType")
        node["format"] = "binary"
    return node


def _components(default_limit: int, max_limit: int) -> dict:
    crs_schema = {"type": "string", "format": "uri", "enum": list(SUPPORTED_OUTPUT_CRS)}
    return {
        "limit": {"name": "limit", "in": "query", "required": False, "style": "form", "explode": False,
                  "description": f"每页要素数；超过 {max_limit} 时按 {max_limit} 返回 / features per page; "
                                 f"values above {max_limit} are clamped to {max_limit}",
                  "schema": {"type": "integer", "minimum": 1, "maximum": max_limit, "default": default_limit}},
        "offset": {"name": "offset", "in": "query", "required": False,
                   "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}},
        "bbox": {"name": "bbox", "in": "query", "required": False, "style": "form", "explode": False,
                 "description": "minx,miny,maxx,maxy in bbox-crs axis order (default CRS84 lon,lat)",
                 "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}},
        "bbox-crs": {"name": "bbox-crs", "in": "query", "required": False, "schema": crs_schema},
        "crs": {"name": "crs", "in": "query", "required": False, "schema": crs_schema,
                "description": "输出坐标系；EPSG:4490/4326 为纬度在前 / output CRS; EPSG:4490 and 4326 are "
                               "lat,lon, EPSG:4547/4526 northing,easting, CRS84 and 3857 x,y"},
        "datetime": {"name": "datetime", "in": "query", "required": False, "schema": {"type": "string"},
                     "description": "RFC 3339 date or interval, on status_date where a collection has it"},
        "filter": {"name": "filter", "in": "query", "required": False, "schema": {"type": "string"},
                   "description": "CQL2 filter (comparison, LIKE, IN, BETWEEN, IS NULL, S_INTERSECTS)"},
        "filter-lang": {"name": "filter-lang", "in": "query", "required": False,
                        "schema": {"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"}},
        "filter-crs": {"name": "filter-crs", "in": "query", "required": False, "schema": crs_schema},
        "sortby": {"name": "sortby", "in": "query", "required": False, "style": "form", "explode": False,
                   "schema": {"type": "array", "items": {"type": "string"}},
                   "description": "comma-separated properties, prefix '-' for descending"},
        "properties": {"name": "properties", "in": "query", "required": False, "style": "form",
                       "explode": False, "schema": {"type": "array", "items": {"type": "string"}}},
        "skipGeometry": {"name": "skipGeometry", "in": "query", "required": False,
                         "schema": {"type": "boolean", "default": False}},
        "precision": {"name": "precision", "in": "query", "required": False,
                      "schema": {"type": "integer", "minimum": 0, "maximum": 15}},
        "simplify": {"name": "simplify", "in": "query", "required": False,
                     "description": "simplification tolerance in metres, for display-weight responses",
                     "schema": {"type": "number", "minimum": 0, "maximum": 100000}},
        "f": {"name": "f", "in": "query", "required": False,
              "schema": {"type": "string", "enum": ["json", "html", "csv", "geojsonseq", "gpkg", "shp",
                                                    "kml", "fgb"]}},
    }


def _use_refs(operation: dict) -> None:
    params = []
    for param in operation.get("parameters", []):
        if param.get("in") == "query" and param.get("name") in SHARED_ITEM_PARAMETERS:
            params.append({"$ref": f"#/components/parameters/{param['name']}"})
        else:
            params.append(param)
    operation["parameters"] = params


def _error_responses(doc: dict) -> None:
    """FastAPI declares 422 as its own validation body; ours is the bilingual exception for every error."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["Exception"] = EXCEPTION_SCHEMA
    for operations in doc["paths"].values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status[0] in "45":
                    response["content"] = copy.deepcopy(ERROR_CONTENT)
            responses["default"] = {"description": "错误 / error", "content": copy.deepcopy(ERROR_CONTENT)}


def openapi_document(app: FastAPI, collections: list, base: str) -> dict:
    settings = app.state.settings
    doc = copy.deepcopy(app.openapi())
    doc = _to_30(doc)
    doc["openapi"] = "3.0.3"
    doc["servers"] = [{"url": base}]
    components = doc.setdefault("components", {})
    components["parameters"] = _components(settings.default_limit, settings.max_limit)
    _error_responses(doc)
    generic = doc["paths"].get(GENERIC_ITEMS_PATH, {})
    if "get" in generic:
        _use_refs(generic["get"])
        for c in collections:
            operation = copy.deepcopy(generic["get"])
            operation["operationId"] = f"get_{c.id}_items"
            operation["summary"] = f"{c.title} 要素 / features of {c.id}"
            operation["parameters"] = [p for p in operation["parameters"]
                                       if p.get("name") != "collectionId"]
            for name, prop in c.properties.items():
                if name in SHARED_ITEM_PARAMETERS:
                    continue
                operation["parameters"].append({
                    "name": name, "in": "query", "required": False, "style": "form", "explode": False,
                    "schema": {"type": "string" if prop.json_type != "boolean" else "boolean"}})
            doc["paths"][f"/collections/{c.id}/items"] = {"get": operation}
    return doc
