"""SQL of implementation supervision: stage plans (now or as recorded), the warning register,
indicator monitoring settings and the spatial indicators."""
from __future__ import annotations

import datetime as dt

from gis_service.queries.progress import as_of_cutoff, plan_table, table_as_of_sql

PLAN_FOR_UPDATE = """
    SELECT stages, responsible_unit, documents, note, demo FROM lifecycle_plans
     WHERE collection_id = :cid AND feature_id = :fid FOR UPDATE"""

UPSERT_PLAN = """
    INSERT INTO lifecycle_plans (collection_id, feature_id, stages, responsible_unit, documents, note, demo)
    VALUES (:cid, :fid, CAST(:stages AS jsonb), :responsible_unit, CAST(:documents AS jsonb), :note, :demo)
    ON CONFLICT (collection_id, feature_id) DO UPDATE
       SET stages = EXCLUDED.stages, responsible_unit = EXCLUDED.responsible_unit,
           documents = EXCLUDED.documents, note = EXCLUDED.note, demo = EXCLUDED.demo, updated_at = now()"""


def works_sql(collection_id: str, as_of: dt.date | None, ids: list[str] | None) -> tuple[str, dict]:
    """One row per live feature: state, stage plan and the last report, as recorded at the end
    of ``as_of`` (or now). A plan changed after the cutoff comes back as the oldest change's old
    value (``plan_then``); ``plan_changed`` says whether there was one."""
    plan_table(collection_id)  # refuses an unknown collection
    if as_of is None:
        source, params, cutoff = collection_id, {}, "now()"
        history = "NULL::jsonb AS plan_then, false AS plan_changed"
        lateral = ""
    else:
        sql, params = table_as_of_sql(collection_id, as_of)
        source, cutoff = f"({sql})", ":state_cutoff"
        history = "h.doc AS plan_then, h.doc IS NOT NULL AS plan_changed"
        lateral = (f"LEFT JOIN LATERAL (SELECT coalesce(e.old_values -> 'lifecycle', 'null'::jsonb) AS doc "
                   f"FROM progress_events e WHERE e.collection_id = :cid AND e.feature_id = t.id "
                   f"AND e.recorded_at > {cutoff} AND e.old_values ? 'lifecycle' "
                   f"ORDER BY e.recorded_at, e.id LIMIT 1) h ON true")
    where = "NOT t.retired" + (" AND t.id = ANY(:ids)" if ids is not None else "")
    sql = f"""
        SELECT t.id, t.name, t.category, t.status, t.status_date, t.percent_complete,
               t.investment_planned_wan, t.investment_completed_wan,
               coalesce((t.properties ->> 'demo_progress')::boolean, false) AS demo,
               lp.stages, lp.responsible_unit, lp.documents, lp.note AS plan_note, lp.demo AS plan_demo,
               {history},
               (SELECT max(e.recorded_at) FROM progress_events e WHERE e.collection_id = :cid
                   AND e.feature_id = t.id AND e.recorded_at <= {cutoff}) AS last_event_at
          FROM {source} t
          LEFT JOIN lifecycle_plans lp ON lp.collection_id = :cid AND lp.feature_id = t.id
          {lateral}
         WHERE {where} ORDER BY t.id"""
    params = {**params, "cid": collection_id}
    if ids is not None:
        params["ids"] = list(ids)
    return sql, params


# --- the warning register -----------------------------------------------------------------

ACTIVE_WARNINGS = """
    SELECT id, rule, subject_id, severity, detail, status FROM warnings
     WHERE source = :source AND cleared_at IS NULL
       AND (CAST(:scope AS text[]) IS NULL OR subject_id = ANY(CAST(:scope AS text[])))
     FOR UPDATE"""

RAISE_WARNING = """
    INSERT INTO warnings (source, rule, subject_type, subject_id, severity, reason_zh, reason_en, link, detail)
    VALUES (:source, :rule, :subject_type, :subject_id, :severity, :reason_zh, :reason_en, :link,
            CAST(:detail AS jsonb))
    ON CONFLICT (rule, subject_id) WHERE cleared_at IS NULL DO NOTHING"""

REFRESH_WARNING = """
    UPDATE warnings SET severity = :severity, reason_zh = :reason_zh, reason_en = :reason_en,
           detail = CAST(:detail AS jsonb) WHERE id = :id"""

CLEAR_WARNINGS = """
    UPDATE warnings SET cleared_at = now(), cleared_by = 'system',
           status = CASE WHEN status = 'closed' THEN status ELSE 'cleared' END
     WHERE id = ANY(:ids)"""

LIST_WARNINGS = """
    SELECT * FROM warnings
     WHERE (CAST(:status AS text) IS NULL OR status = :status)
       AND (CAST(:severity AS text) IS NULL OR severity = :severity)
       AND (CAST(:rule AS text) IS NULL OR rule = :rule)
       AND (CAST(:active AS boolean) IS NULL OR (cleared_at IS NULL AND status <> 'closed') = :active)
       AND (CAST(:at AS timestamptz) IS NULL
            OR raised_at <= :at AND (cleared_at IS NULL OR cleared_at > :at)
               AND (closed_at IS NULL OR closed_at > :at))
       AND (CAST(:year AS integer) IS NULL
            OR extract(year FROM raised_at AT TIME ZONE 'Asia/Shanghai') <= :year
               AND (cleared_at IS NULL
                    OR extract(year FROM cleared_at AT TIME ZONE 'Asia/Shanghai') >= :year))
     ORDER BY raised_at DESC, id DESC LIMIT :limit"""

WARNING_FOR_UPDATE = "SELECT * FROM warnings WHERE id = :id FOR UPDATE"

ACKNOWLEDGE = """
    UPDATE warnings SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = :actor,
           acknowledged_comment = :comment WHERE id = :id RETURNING *"""

CLOSE = """
    UPDATE warnings SET status = 'closed', closed_at = now(), closed_by = :actor, closed_comment = :comment
     WHERE id = :id RETURNING *"""

# --- indicator monitoring -----------------------------------------------------------------

MONITORING_SETTINGS = "SELECT * FROM indicator_monitoring"

UPSERT_THRESHOLDS = """
    INSERT INTO indicator_monitoring (code, yellow_at, red_at, updated_by)
    VALUES (:code, :yellow_at, :red_at, :actor)
    ON CONFLICT (code) DO UPDATE SET yellow_at = EXCLUDED.yellow_at, red_at = EXCLUDED.red_at,
           updated_by = EXCLUDED.updated_by, updated_at = now()
    RETURNING code, yellow_at, red_at, updated_by, updated_at"""


def cutoff_param(as_of: dt.date | None):
    return None if as_of is None else as_of_cutoff(as_of)


# --- spatial indicators (computed from the layers, as recorded at the cutoff) ------------------

def _source(collection_id: str, as_of: dt.date | None) -> tuple[str, dict]:
    if as_of is None:
        return f"{collection_id} t", {}
    sql, params = table_as_of_sql(collection_id, as_of)
    return f"({sql}) t", params


def village_indicators_sql(as_of: dt.date | None) -> tuple[str, dict]:
    """城中村改造完成率 by count and by area (EPSG:4547), mean 签约率 / 腾空率, with the ids counted."""
    source, params = _source("urban_village_sites", as_of)
    sql = f"""
        WITH v AS (SELECT t.id, t.status, t.status = ANY(:finished) AS finished, t.signing_rate, t.vacated_rate,
                          ST_Area(ST_Transform(t.geom, 4547)) AS area_m2
                     FROM {source} WHERE NOT t.retired)
        SELECT count(*) AS total, count(*) FILTER (WHERE status <> 'unknown') AS reported,
               count(*) FILTER (WHERE finished) AS finished,
               sum(area_m2) AS area_total_m2, sum(area_m2) FILTER (WHERE finished) AS area_finished_m2,
               count(*) FILTER (WHERE area_m2 IS NULL) AS unlocated,
               avg(signing_rate) AS mean_signing_rate, avg(vacated_rate) AS mean_vacated_rate,
               coalesce(array_agg(id ORDER BY id), '{{}}') AS ids,
               coalesce(array_agg(id ORDER BY id) FILTER (WHERE finished), '{{}}') AS finished_ids,
               coalesce(array_agg(id ORDER BY id) FILTER (WHERE signing_rate IS NOT NULL), '{{}}') AS signing_ids,
               coalesce(array_agg(id ORDER BY id) FILTER (WHERE vacated_rate IS NOT NULL), '{{}}') AS vacated_ids
          FROM v"""
    return sql, params


def investment_sql(as_of: dt.date | None) -> tuple[str, dict]:
    """Investment completion of projects where both amounts are recorded."""
    source, params = _source("projects", as_of)
    sql = f"""
        SELECT sum(t.investment_completed_wan) AS completed, sum(t.investment_planned_wan) AS planned,
               coalesce(array_agg(t.id ORDER BY t.id), '{{}}') AS ids
          FROM {source} WHERE NOT t.retired
           AND t.investment_planned_wan IS NOT NULL AND t.investment_completed_wan IS NOT NULL"""
    return sql, params


def events_sql(as_of: dt.date | None) -> str:
    """The history rows (ids) behind the values of the given features, up to the cutoff."""
    cutoff = "" if as_of is None else "AND recorded_at <= :cutoff"
    return (f"SELECT feature_id, array_agg(id ORDER BY id) AS events FROM progress_events "
            f"WHERE collection_id = :cid AND feature_id = ANY(:ids) {cutoff} GROUP BY feature_id")


# --- the annual report --------------------------------------------------------------------

DATA_VERSIONS = """
    SELECT collection_id, title_zh, data_version, feature_count, updated_at FROM layer_meta
     WHERE kind = 'plan' ORDER BY collection_id"""

GEOMETRY_QUALITY = " UNION ALL ".join(
    f"SELECT '{c}' AS collection_id, geometry_quality, count(*) AS n FROM {c} WHERE NOT retired "
    f"GROUP BY geometry_quality" for c in ("projects", "urban_village_sites", "green_corridors", "ecology_sites"))


# --- the monitoring page ------------------------------------------------------------------

UNIT_OUTLINES = """
    SELECT 'admin_units' AS kind, id, name, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.0003), 5) AS geometry
      FROM admin_units WHERE NOT retired AND geom IS NOT NULL AND category <> 'district'
    UNION ALL
    SELECT 'sub_areas', id, name, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, 0.0003), 5)
      FROM sub_areas WHERE NOT retired AND geom IS NOT NULL
    ORDER BY 1, 2"""

UPSERT_DEFINITION = """
    INSERT INTO indicator_monitoring (code, caliber, formula, data_source, responsible_unit, frequency, updated_by)
    VALUES (:code, :caliber, :formula, :data_source, :responsible_unit, :frequency, :actor)
    ON CONFLICT (code) DO UPDATE SET caliber = EXCLUDED.caliber, formula = EXCLUDED.formula,
           data_source = EXCLUDED.data_source, responsible_unit = EXCLUDED.responsible_unit,
           frequency = EXCLUDED.frequency, updated_by = EXCLUDED.updated_by, updated_at = now()
    RETURNING code, caliber, formula, data_source, responsible_unit, frequency, updated_by, updated_at"""
