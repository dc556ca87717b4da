"""OGC API – Features Part 5 documents: a collection's feature schema and its sortables.

Both are derived from the same property table as the queryables, so a type is declared
once: numbers are numbers, dates are ``format: date``, and the roles (id, geometry, the
instant the temporal filter uses) are marked with ``x-ogc-role``.
"""
from __future__ import annotations

from gis_service.queries.registry import TABLE_MODELS, Collection
from gis_service.services.editing.scope import creatable
from gis_service.services.editing.values import DESCRIPTIVE
from gis_service import vocab
from gis_service.services.progress.vocab import FIELDS, GEOMETRY_FIELDS, is_progress_collection

JSON_SCHEMA_2020 = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_MEDIA_TYPE = "application/schema+json"
LABELS_ZH = {f.name: f.label_zh for f in FIELDS}
GEOMETRY_FORMATS = {"Point": "geometry-point", "MultiPolygon": "geometry-multipolygon",
                    "MultiLineString": "geometry-multilinestring"}


def _property_schema(c: Collection, name: str) -> dict:
    prop = c.properties[name]
    schema = {"title": LABELS_ZH.get(name, name),
              "type": [prop.json_type, "null"] if _nullable(c, name) else prop.json_type}
    if prop.format:
        schema["format"] = prop.format
    if name == "status" and c.has_progress:
        schema["enum"] = (list(vocab.status_codes(c.id)) if c.id in ("projects", "urban_village_sites")
                          else vocab.all_status_codes())
    if name == "id":
        schema["x-ogc-role"] = "id"
    if name == c.temporal_property:
        schema["x-ogc-role"] = "primary-instant"
    return schema


def _nullable(c: Collection, name: str) -> bool:
    model = TABLE_MODELS.get(c.id)
    return model is None or model.__table__.columns[name].nullable


def _writable(c: Collection) -> set[str]:
    """Properties a client may send: editable progress, and what a created feature carries."""
    if c.kind == "user":
        return set(c.properties)
    names = {f.name for f in FIELDS if f.only in (None, c.id)} if is_progress_collection(c.id) else set()
    if creatable(c):
        names |= set(DESCRIPTIVE) | set(GEOMETRY_FIELDS)
    return names & set(c.properties)


def schema_document(base: str, c: Collection) -> dict:
    writable = _writable(c)
    properties = {}
    for seq, name in enumerate(c.properties, start=1):
        schema = _property_schema(c, name)
        schema["x-ogc-propertySeq"] = seq
        if name not in writable and name != "id":
            schema["readOnly"] = True
        properties[name] = schema
    properties["geometry"] = {"title": "geometry", "x-ogc-role": "primary-geometry",
                              "format": GEOMETRY_FORMATS.get(c.geometry_type or "", "geometry-any"),
                              "x-ogc-propertySeq": len(properties) + 1}
    doc = {"$schema": JSON_SCHEMA_2020, "$id": f"{base}/collections/{c.id}/schema", "type": "object",
           "title": c.title_zh, "description": c.title_en or c.title_zh, "properties": properties}
    if creatable(c) and c.kind != "user":
        doc["required"] = ["name"]
    return doc


def sortables_document(base: str, c: Collection) -> dict:
    """Every property orders items (``sortby``); the geometry does not."""
    return {"$schema": JSON_SCHEMA_2020, "$id": f"{base}/collections/{c.id}/sortables", "type": "object",
            "title": c.title_zh, "properties": {n: _property_schema(c, n) for n in c.properties}}
