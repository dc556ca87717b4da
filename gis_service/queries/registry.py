"""What a collection is at query time: its table, its properties and their SQL.

Plan collections map to their own tables; users' collections share
``user_features`` and keep their attributes in JSONB. Both are described by
the same ``Collection`` so the feature SQL needs no special cases.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Boolean, Connection, Date, DateTime, Integer, Numeric, text

from gis_service.db.engine import first_row
from gis_service.db.models import PLAN_MODELS
from gis_service.db.models_parcels import WORKING_MODELS
from gis_service.errors import UnknownCollection

# Collections with a table of their own: plan layers and working layers (the cadastre).
TABLE_MODELS = {**PLAN_MODELS, **WORKING_MODELS}
# Columns that are not feature properties in API output.
HIDDEN_COLUMNS = {"geom", "properties", "retired", "version", "origin"}
# Queryable type names follow JSON Schema, as OGC API Part 3 asks.
_JSON_TYPES = ((Boolean, "boolean"), (Integer, "integer"), (Numeric, "number"),
               (DateTime, "string"), (Date, "string"))


@dataclass(frozen=True)
class Property:
    name: str
    sql: str               # expression over the table alias ``t``
    json_type: str         # string | number | integer | boolean
    format: str | None = None  # date | date-time
    is_json: bool = False  # JSONB value (user collections): compare as jsonb


@dataclass(frozen=True)
class Collection:
    id: str
    kind: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    geometry_type: str | None
    source: str | None
    license: str | None
    style: dict
    data_version: int
    feature_count: int
    updated_at: dt.datetime
    table: str
    id_sql: str
    base_where: str
    base_params: dict = field(default_factory=dict)
    properties: dict[str, Property] = field(default_factory=dict)
    extra_json_sql: str | None = None  # JSONB merged into the output properties
    temporal_property: str | None = None
    has_progress: bool = False

    @property
    def title(self) -> str:
        return self.title_zh or self.id


def _json_type(column) -> tuple[str, str | None]:
    for sa_type, name in _JSON_TYPES:
        if isinstance(column.type, sa_type):
            fmt = "date" if isinstance(column.type, Date) else (
                "date-time" if isinstance(column.type, DateTime) else None)
            return name, fmt
    return "string", None


def _table_properties(collection_id: str) -> dict[str, Property]:
    table = TABLE_MODELS[collection_id].__table__
    props = {}
    for column in table.columns:
        if column.name in HIDDEN_COLUMNS:
            continue
        json_type, fmt = _json_type(column)
        props[column.name] = Property(column.name, f"t.{column.name}", json_type, fmt)
    return props


META_SQL = """
    SELECT collection_id, kind, title_zh, coalesce(title_en, '') AS title_en,
           coalesce(description_zh, '') AS description_zh,
           coalesce(description_en, '') AS description_en, geometry_type, source, license, style,
           data_version, feature_count, updated_at, ctid::text || ':' || xmin::text AS stamp
      FROM layer_meta {where} ORDER BY kind, collection_id
"""


def _user_properties(conn: Connection, collection_id: str) -> dict[str, Property]:
    # Keys and their JSON types as imported; a sample keeps this cheap on big layers.
    rows = conn.execute(text("""
        SELECT key, min(jsonb_typeof(value)) AS kind FROM (
            SELECT properties FROM user_features WHERE collection_id = :c LIMIT 500) s,
            LATERAL jsonb_each(s.properties) GROUP BY key ORDER BY key"""), {"c": collection_id}).all()
    mapping = {"number": "number", "boolean": "boolean"}
    return {key: Property(key, f"(t.properties -> '{key.replace(chr(39), chr(39) * 2)}')",
                          mapping.get(kind, "string"), is_json=True)
            for key, kind in rows}


def _build(conn: Connection, row) -> Collection:
    common = dict(
        id=row.collection_id, kind=row.kind, title_zh=row.title_zh, title_en=row.title_en,
        description_zh=row.description_zh, description_en=row.description_en,
        geometry_type=row.geometry_type, source=row.source, license=row.license,
        style=row.style or {}, data_version=row.data_version, feature_count=row.feature_count,
        updated_at=row.updated_at)
    model = TABLE_MODELS.get(row.collection_id)
    if model is not None:
        props = _table_properties(row.collection_id)
        has_progress = "status" in props
        return Collection(**common, table=row.collection_id, id_sql="t.id",
                          base_where="NOT t.retired", properties=props,
                          extra_json_sql="t.properties",
                          temporal_property="status_date" if has_progress else None,
                          has_progress=has_progress)
    return Collection(**common, table="user_features", id_sql="t.feature_id",
                      base_where="t.collection_id = :base_cid AND NOT t.retired",
                      base_params={"base_cid": row.collection_id},
                      properties=_user_properties(conn, row.collection_id))


def list_collections(conn: Connection) -> list[Collection]:
    rows = conn.execute(text(META_SQL.format(where=""))).all()
    return [_build(conn, row) for row in rows]


# The row version of a collection's layer_meta row: ctid and xmin change with every update of it
# (data_version is bumped by the data triggers; titles and styles by the loader), inside one
# transaction too, and are the same on a streaming replica. So a built Collection is reused only
# while its row is unchanged, whichever process or replica made the change: no time-to-live.
STAMP_SQL = """
    SELECT current_database() AS db, ctid::text || ':' || xmin::text AS stamp
      FROM layer_meta WHERE collection_id = :c
"""
# (engine url, database, collection id) -> (stamp, Collection); bounded by the collections there are.
_BUILT: dict[tuple[str, str, str], tuple[str, Collection]] = {}


def get_collection(conn: Connection, collection_id: str) -> Collection:
    stamp = first_row(conn, STAMP_SQL, {"c": collection_id})
    if stamp is None:
        raise UnknownCollection(f"没有图层 {collection_id!r}", f"no collection {collection_id!r}",
                                detail={"collection": collection_id})
    key = (str(conn.engine.url), stamp.db, collection_id)
    cached = _BUILT.get(key)
    if cached is not None and cached[0] == stamp.stamp:
        return cached[1]
    row = conn.execute(text(META_SQL.format(where="WHERE collection_id = :c")), {"c": collection_id}).first()
    if row is None:  # deleted between the two reads
        raise UnknownCollection(f"没有图层 {collection_id!r}", f"no collection {collection_id!r}",
                                detail={"collection": collection_id})
    collection = _build(conn, row)
    _BUILT[key] = (row.stamp, collection)  # the stamp of the row it was built from
    return collection
