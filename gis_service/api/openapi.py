"""The OpenAPI document, tuned for OGC clients.

* OpenAPI 3.0, because QGIS and GDAL look for the 3.0 media type and FastAPI
  writes 3.1: we convert the few 3.1-only constructs it emits.
* ``components.parameters``, from the one declaration in services/ogc_params.py;
  ``limit`` has a default and maximum: QGIS sizes its pages from it (without it
  QGIS falls back to 100-feature pages).
* One items path per collection, declaring its simple property filters
  (``style: form``, ``explode: false``).
* Every error is the one bilingual exception body (api/errors.py), declared
  as ``components.schemas.Exception`` for each error status and ``default``.
"""
from __future__ import annotations

import copy

from fastapi import FastAPI

from gis_service.services.ogc.params import DECLARED, openapi_parameters

GENERIC_ITEMS_PATH = "/collections/{collectionId}/items"
ITEM_PATH = "/collections/{collectionId}/items/{featureId}"
EXCEPTION_SCHEMA = {
    "type": "object", "required": ["code", "message"],
    "description": "错误 / error: OGC exception (code, description) with the Chinese text and details",
    "properties": {"code": {"type": "string"}, "description": {"type": "string"},
                   "message": {"type": "string"}, "message_zh": {"type": "string"},
                   "detail": {"type": "object"}},
}
# Clients get the bilingual exception as JSON; a browser (f=html, or Accept preferring HTML) a small page.
ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Exception"}},
                 "text/html": {"schema": {"type": "string"}}}


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


def _use_refs(operation: dict, shared) -> None:
    params = []
    for param in operation.get("parameters", []):
        if param.get("in") == "query" and param.get("name") in shared:
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
    components["parameters"] = openapi_parameters(settings.default_limit, settings.max_limit)
    _error_responses(doc)
    if "get" in doc["paths"].get(ITEM_PATH, {}):
        _use_refs(doc["paths"][ITEM_PATH]["get"], ("crs",))
    generic = doc["paths"].get(GENERIC_ITEMS_PATH, {})
    if "get" in generic:
        _use_refs(generic["get"], components["parameters"])
        for c in collections:
            operation = copy.deepcopy(generic["get"])
            operation["operationId"] = f"get_{c.id}_items"
            operation["summary"] = f"{c.title} 要素 / features of {c.id}"
            operation["parameters"] = [p for p in operation["parameters"]
                                       if p.get("name") != "collectionId"]
            for name, prop in c.properties.items():
                if name in DECLARED:
                    continue
                operation["parameters"].append({
                    "name": name, "in": "query", "required": False, "style": "form", "explode": False,
                    "schema": {"type": "string" if prop.json_type != "boolean" else "boolean"}})
            doc["paths"][f"/collections/{c.id}/items"] = {"get": operation}
    return doc
