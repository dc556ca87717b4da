"""SQL for progress state, history and time travel (``as_of``).

History is append-only: every change stores the old and new value of each
changed field. The state at a moment T is therefore the current row with, for
each field changed after T, the *old* value of the earliest such change. That
"undo" object is one aggregate over the events after T, so time travel costs
one indexed scan of ``progress_events`` per feature and needs no snapshots.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric
from sqlalchemy.dialects.postgresql import JSONB

from gis_service.db.models import PLAN_MODELS, PROGRESS_COLLECTIONS
from gis_service.errors import InvalidInput, UnknownCollection
from gis_service.vocab import LOCAL_TZ

REVIEW_TIMEZONE = LOCAL_TZ
# History stores the geometry under its API name, as GeoJSON text.
GEOMETRY_KEY = "geometry"


AS_OF_RANGE = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))  # days the history can speak about


def as_of_cutoff(as_of: dt.date) -> dt.datetime:
    """The end of ``as_of`` in Asia/Shanghai: what a review on that day saw."""
    if not AS_OF_RANGE[0] <= as_of <= AS_OF_RANGE[1]:  # also keeps 9999-12-31 + 1 day from overflowing
        raise InvalidInput(f"参数 as_of 无效：日期应在 {AS_OF_RANGE[0]}–{AS_OF_RANGE[1]} 之间",
                           f"invalid parameter as_of: the date must be within {AS_OF_RANGE[0]}–{AS_OF_RANGE[1]}",
                           detail={"parameter": "as_of"}, code="invalid_parameter", status=400)
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=REVIEW_TIMEZONE)


def undo_lateral(collection_param: str = "state_cid", cutoff_param: str = "state_cutoff",
                 alias: str = "t") -> str:
    """``LATERAL (...) u`` with ``u.undo``: per field, the value it had at the cutoff,
    for fields changed since. jsonb_object_agg keeps the last duplicate key, and the
    aggregate runs newest → oldest, so the earliest change's old value wins."""
    return (f"LEFT JOIN LATERAL (SELECT jsonb_object_agg(o.key, o.value ORDER BY e.recorded_at DESC, "
            f"e.id DESC) AS undo FROM progress_events e CROSS JOIN LATERAL jsonb_each(e.old_values) o "
            f"WHERE e.collection_id = :{collection_param} AND e.feature_id = {alias}.id "
            f"AND e.recorded_at > :{cutoff_param}) u ON true")


def _restored(column) -> str:
    key = GEOMETRY_KEY if column.name == "geom" else column.name
    if column.name == "geom":
        value = f"ST_SetSRID(ST_GeomFromGeoJSON(u.undo ->> '{key}'), 4490)"
    elif isinstance(column.type, JSONB):
        value = f"(u.undo -> '{key}')"
    else:
        cast = next((name for sa_type, name in ((Boolean, "boolean"), (Integer, "integer"),
                                                 (Numeric, "numeric"), (DateTime, "timestamptz"),
                                                 (Date, "date")) if isinstance(column.type, sa_type)),
                    "text")
        value = f"(u.undo ->> '{key}')::{cast}"
    return f"CASE WHEN u.undo ? '{key}' THEN {value} ELSE t.{column.name} END AS {column.name}"


def plan_table(collection_id: str):
    model = PLAN_MODELS.get(collection_id)
    if model is None:
        raise UnknownCollection(f"没有图层 {collection_id!r}", f"no plan collection {collection_id!r}",
                                detail={"collection": collection_id})
    return model.__table__


def table_at_sql(collection_id: str, cutoff_param: str) -> str:
    """Like ``table_as_of_sql``, at the cutoff bound to ``:<cutoff_param>`` (collection bound to
    ``:state_cid``), so one statement can hold two states."""
    table = plan_table(collection_id)
    columns = ", ".join(_restored(c) for c in table.columns)
    return f"SELECT {columns} FROM {table.name} t {undo_lateral(cutoff_param=cutoff_param)}"


def table_as_of_sql(collection_id: str, as_of: dt.date) -> tuple[str, dict]:
    """A subquery with every column of the plan table, as recorded at the end of ``as_of``.
    Use it in place of the table name: ``FROM (<sql>) t``."""
    table = plan_table(collection_id)
    columns = ", ".join(_restored(c) for c in table.columns)
    sql = f"SELECT {columns} FROM {table.name} t {undo_lateral()}"
    return sql, {"state_cid": collection_id, "state_cutoff": as_of_cutoff(as_of)}


def progress_state_sql(collection_id: str, as_of: dt.date | None) -> tuple[str, dict]:
    """Rows ``(id, status, percent_complete, status_date)`` of every non-retired feature of a
    progress collection, as recorded in the system at the end of ``as_of`` (Asia/Shanghai),
    or now when ``as_of`` is None."""
    if collection_id not in PROGRESS_COLLECTIONS:
        raise InvalidInput(f"图层 {collection_id!r} 没有进展字段", f"collection {collection_id!r} has no progress",
                           detail={"collection": collection_id, "progress_collections": list(PROGRESS_COLLECTIONS)})
    if as_of is None:
        return (f"SELECT t.id, t.status, t.percent_complete, t.status_date FROM {collection_id} t "
                f"WHERE NOT t.retired ORDER BY t.id"), {}
    source, params = table_as_of_sql(collection_id, as_of)
    return (f"SELECT t.id, t.status, t.percent_complete, t.status_date FROM ({source}) t "
            f"WHERE NOT t.retired ORDER BY t.id"), params


# --- edits and history ---------------------------------------------------------------

def lock_row_sql(collection_id: str) -> str:
    """The row's stored values, locked until commit so concurrent writers queue here."""
    table = plan_table(collection_id)
    columns = ", ".join(f"t.{c.name}" for c in table.columns if c.name != "geom")
    return (f"SELECT {columns}, ST_AsGeoJSON(t.geom, 9) AS {GEOMETRY_KEY} FROM {table.name} t "
            f"WHERE t.id = :fid FOR UPDATE")


def update_row_sql(collection_id: str, columns: list[str], *, geometry: bool) -> str:
    """Compare-and-set on the version: a stale writer updates nothing."""
    table = plan_table(collection_id)
    sets = [f"{c} = :{c}" for c in columns]
    if geometry:
        sets.append("geom = ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4490)")
    sets += ["properties = CAST(:properties AS jsonb)", "version = version + 1", "updated_at = now()"]
    return (f"UPDATE {table.name} SET {', '.join(sets)} WHERE id = :fid AND version = :expected "
            f"RETURNING version")


INSERT_EVENT = """
    INSERT INTO progress_events (collection_id, feature_id, actor, action, old_values, new_values,
                                 reason, unconditional, version)
    VALUES (:collection_id, :feature_id, :actor, :action, CAST(:old_values AS jsonb),
            CAST(:new_values AS jsonb), :reason, :unconditional, :version)
    RETURNING id, recorded_at"""

HISTORY = """
    SELECT id, recorded_at, actor, action, old_values, new_values, reason, unconditional, version
      FROM progress_events
     WHERE collection_id = :collection_id AND feature_id = :feature_id
     ORDER BY recorded_at DESC, id DESC LIMIT :limit"""

# Every live progress feature's id and name, to match sheet rows by id or exact name.
PROGRESS_NAMES = " UNION ALL ".join(
    f"SELECT '{c}' AS collection_id, id, name FROM {c} WHERE NOT retired" for c in PROGRESS_COLLECTIONS)
