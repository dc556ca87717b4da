"""Loads are history too: one ``load`` event per feature a seed load adds, changes or retires.

The events go into ``progress_events`` like an editor's, in the same shape (old and new
value of each changed field, the geometry as GeoJSON under ``geometry``), so time travel
(``as_of``) and the comparison of two dates see seed reloads. An added feature is recorded
as ``retired: true → false``: before its first load it did not exist.
Must run after the stage is filled and before the table is changed.
"""
from __future__ import annotations

from sqlalchemy import text

LOADER_ACTOR = "loader"
_EVENT_COLUMNS = "collection_id, feature_id, actor, action, old_values, new_values, reason, version"


def _value_rows(columns: list[str], kept: dict[str, tuple[str, str]]) -> str:
    """(key, old jsonb, new jsonb, changed) per comparable column, for one staged row."""
    rows = []
    for c in columns:
        if c == "id":
            continue
        if c == "geom":
            rows.append("('geometry', to_jsonb(ST_AsGeoJSON(t.geom, 9)), to_jsonb(ST_AsGeoJSON(s.geom, 9)), "
                        "t.geom IS DISTINCT FROM s.geom)")
        elif c in kept:
            compared, assigned = kept[c]
            rows.append(f"('{c}', to_jsonb(t.{c}), to_jsonb({assigned}), {compared} IS DISTINCT FROM s.{c})")
        else:
            rows.append(f"('{c}', to_jsonb(t.{c}), to_jsonb(s.{c}), t.{c} IS DISTINCT FROM s.{c})")
    rows.append("('retired', to_jsonb(t.retired), to_jsonb(s.retired), t.retired IS DISTINCT FROM s.retired)")
    return ",\n".join(rows)


def record_load_events(conn, table: str, stage: str, columns: list[str],
                       kept: dict[str, tuple[str, str]]) -> None:
    params = {"c": table, "actor": LOADER_ACTOR}
    conn.execute(text(f"""
        INSERT INTO progress_events ({_EVENT_COLUMNS})
        SELECT :c, s.id, :actor, 'load', '{{"retired": true}}', '{{"retired": false}}', 'added by seed load', NULL
          FROM {stage} s WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = s.id)"""), params)
    conn.execute(text(f"""
        INSERT INTO progress_events ({_EVENT_COLUMNS})
        SELECT :c, t.id, :actor, 'load', d.old, d.new, 'changed by seed load', t.version
          FROM {table} t JOIN {stage} s ON s.id = t.id
          CROSS JOIN LATERAL (
              SELECT jsonb_object_agg(v.k, v.o) AS old, jsonb_object_agg(v.k, v.n) AS new
                FROM (VALUES {_value_rows(columns, kept)}) v(k, o, n, changed) WHERE v.changed) d
         WHERE d.old IS NOT NULL AND t.origin = 'seed'"""), params)
    conn.execute(text(f"""
        INSERT INTO progress_events ({_EVENT_COLUMNS})
        SELECT :c, t.id, :actor, 'load', '{{"retired": false}}', '{{"retired": true}}', 'gone from the seed files',
               t.version
          FROM {table} t WHERE NOT t.retired AND t.origin = 'seed'
           AND NOT EXISTS (SELECT 1 FROM {stage} s WHERE s.id = t.id)"""),
        params)
