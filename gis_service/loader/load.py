"""Write seed layers into PostGIS in one transaction.

Rules: a bad file leaves the database as it was; a rerun changes nothing; a
changed file updates geometry and descriptive attributes only (never status,
version or history); a feature gone from the files is retired, not deleted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from geoalchemy2.shape import from_shape
from rich.progress import Progress
from sqlalchemy import Engine, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB

from gis_service.db import post_write
from gis_service.manifest import CollectionSpec, Manifest, read_manifest
from gis_service.db.models import PLAN_MODELS, STORAGE_SRID
from gis_service.errors import InvalidFile
from gis_service.loader.load_history import record_load_events
from gis_service.loader.validate import LayerRows, read_layer

# Columns the seed files never own: they belong to progress tracking and history.
PROTECTED_COLUMNS = {"status", "percent_complete", "status_date", "progress_note", "version",
                     "retired", "updated_at", "investment_planned_wan", "investment_completed_wan",
                     "approval_no", "signing_rate", "vacated_rate", "demolished_area_m2", "origin"}
PROGRESS_BAR_THRESHOLD = 5000


@dataclass
class LoadReport:
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    retired: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(v for d in (self.inserted, self.updated, self.retired) for v in d.values())


def descriptive_columns(collection_id: str) -> list[str]:
    model = PLAN_MODELS[collection_id]
    return [c.name for c in model.__table__.columns if c.name not in PROTECTED_COLUMNS]


def read_all(layers_dir: Path) -> tuple[Manifest, list[LayerRows]]:
    manifest = read_manifest(layers_dir)
    layers = []
    for spec in manifest.collections:
        model = PLAN_MODELS.get(spec.id)
        if model is None:
            raise InvalidFile(f"未知图层 {spec.id}", f"manifest names unknown collection {spec.id}",
                              detail={"collection": spec.id})
        layers.append(read_layer(layers_dir, spec))
    return manifest, layers


def load_layers(engine: Engine, layers_dir: Path) -> LoadReport:
    """Validate every file first, then write all of them in one transaction."""
    _, layers = read_all(layers_dir)
    report = LoadReport()
    with engine.begin() as conn:
        for layer in layers:
            _upsert_meta(conn, layer.spec)
            changed = _load_collection(conn, layer, report)
            if changed:
                post_write.after_write(conn, post_write.WriteEvent(layer.spec.id, changed, "load"))
    return report


def _upsert_meta(conn, spec: CollectionSpec) -> None:
    stmt = text("""
        INSERT INTO layer_meta (collection_id, kind, title_zh, title_en, description_zh,
                                description_en, geometry_type, source, license, style)
        VALUES (:id, 'plan', :title_zh, :title_en, :description_zh, :description_en,
                :geometry_type, :source, :license, :style)
        ON CONFLICT (collection_id) DO UPDATE SET
            title_zh = EXCLUDED.title_zh, title_en = EXCLUDED.title_en,
            description_zh = EXCLUDED.description_zh, description_en = EXCLUDED.description_en,
            geometry_type = EXCLUDED.geometry_type, source = EXCLUDED.source,
            license = EXCLUDED.license, style = EXCLUDED.style
        WHERE (layer_meta.title_zh, layer_meta.title_en, layer_meta.description_zh,
               layer_meta.description_en, layer_meta.geometry_type, layer_meta.source,
               layer_meta.license, layer_meta.style)
              IS DISTINCT FROM
              (EXCLUDED.title_zh, EXCLUDED.title_en, EXCLUDED.description_zh,
               EXCLUDED.description_en, EXCLUDED.geometry_type, EXCLUDED.source,
               EXCLUDED.license, EXCLUDED.style)
    """).bindparams(bindparam("style", type_=JSONB))
    conn.execute(stmt, dict(id=spec.id, title_zh=spec.title_zh, title_en=spec.title_en,
                            description_zh=spec.description_zh, description_en=spec.description_en,
                            geometry_type=spec.geometry_type, source=spec.source,
                            license=spec.license, style=spec.style))


def _row_params(row: dict, columns: list[str]) -> dict:
    params = {c: row.get(c) for c in columns if c not in ("properties", "geom")}
    extra = {k: v for k, v in row.items() if k not in columns and k != "geom"}
    params["properties"] = extra
    geom = row.get("geom")
    params["geom"] = None if geom is None else from_shape(geom, srid=STORAGE_SRID).desc
    return params


def _load_collection(conn, layer: LayerRows, report: LoadReport) -> tuple[str, ...]:
    """Stage, then insert / update / retire; returns the ids it added, changed or retired."""
    table = layer.spec.id
    columns = descriptive_columns(table)
    stage = f"stage_{table}"
    conn.execute(text(f"CREATE TEMP TABLE {stage} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP"))
    values = ", ".join(
        "ST_GeomFromWKB(decode(:geom, 'hex'), 4490)" if c == "geom" else f":{c}" for c in columns
    )
    insert_stage = text(f"INSERT INTO {stage} ({', '.join(columns)}) VALUES ({values})").bindparams(
        bindparam("properties", type_=JSONB))
    params = [_row_params(row, columns) for row in layer.rows]
    if len(params) > PROGRESS_BAR_THRESHOLD:
        with Progress() as bar:
            task = bar.add_task(f"loading {table}", total=len(params))
            for start in range(0, len(params), 2000):
                conn.execute(insert_stage, params[start:start + 2000])
                bar.advance(task, len(params[start:start + 2000]))
    elif params:
        conn.execute(insert_stage, params)

    _keep_editor_decisions(conn, table, stage)
    col_list = ", ".join(columns)
    # The demo flag belongs to progress tracking, not to the seed files: keep it across reloads.
    kept = {"properties": ("(t.properties - 'demo_progress')",
                           "s.properties || jsonb_strip_nulls(jsonb_build_object('demo_progress', "
                           "t.properties -> 'demo_progress'))")}
    changed = " OR ".join(f"{kept.get(c, (f't.{c}',))[0]} IS DISTINCT FROM s.{c}" for c in columns if c != "id")
    record_load_events(conn, table, stage, columns, kept)
    inserted = _ids(conn, f"INSERT INTO {table} ({col_list}) SELECT {col_list} FROM {stage} s "
                    f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = s.id) RETURNING id")
    assignments = ", ".join(f"{c} = {kept[c][1] if c in kept else f's.{c}'}" for c in columns if c != "id")
    updated = _ids(conn, f"UPDATE {table} t SET {assignments}, retired = s.retired, updated_at = now() "
                   f"FROM {stage} s WHERE t.id = s.id AND t.origin = 'seed' "
                   f"AND ({changed} OR t.retired IS DISTINCT FROM s.retired) "
                   f"RETURNING t.id")
    # Features editors created are not in the files and stay.
    retired = _ids(conn, f"UPDATE {table} t SET retired = true, updated_at = now() WHERE NOT t.retired "
                   f"AND t.origin = 'seed' "
                   f"AND NOT EXISTS (SELECT 1 FROM {stage} s WHERE s.id = t.id) RETURNING t.id")
    report.inserted[table], report.updated[table], report.retired[table] = len(inserted), len(updated), len(retired)
    return tuple(sorted({*inserted, *updated, *retired}))


def _ids(conn, sql: str) -> list[str]:
    return list(conn.execute(text(sql)).scalars())


def _keep_editor_decisions(conn, table: str, stage: str) -> None:
    """Editors outrank the seed files: a geometry an editor corrected (e.g. a surveyed
    footprint) and a feature an editor deleted stay as the editor left them. The
    staged rows take the live values, so the comparison below sees no change. The loader's
    own history (action 'load') is not an editor's decision."""
    conn.execute(text(f"""
        WITH decisions AS (
            SELECT feature_id,
                   bool_or(new_values ? 'geometry') AS geometry_edited,
                   (array_agg(action ORDER BY recorded_at DESC, id DESC))[1] = 'delete' AS deleted
              FROM progress_events WHERE collection_id = :c AND action <> 'load' GROUP BY feature_id)
        UPDATE {stage} s
           SET geom = CASE WHEN d.geometry_edited THEN t.geom ELSE s.geom END,
               geometry_quality = CASE WHEN d.geometry_edited THEN t.geometry_quality ELSE s.geometry_quality END,
               location_basis = CASE WHEN d.geometry_edited THEN t.location_basis ELSE s.location_basis END,
               retired = d.deleted
          FROM decisions d, {table} t
         WHERE d.feature_id = s.id AND t.id = s.id"""), {"c": table})
