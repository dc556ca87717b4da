"""SQL for plan indicators and their recorded yearly actuals."""
from __future__ import annotations

INDICATORS = """
    SELECT code, sort_order, group_name, name, unit, value_2015, target_2020, annual_rate, attribute,
           direction, target_kind, value_2015_num, target_2020_num, parent_code, target_op, target_value,
           source_note
      FROM indicators ORDER BY sort_order"""

PARENTS = "SELECT DISTINCT parent_code FROM indicators WHERE parent_code IS NOT NULL"

ONE = "SELECT code, target_kind FROM indicators WHERE code = :code"

ACTUALS = """
    SELECT code, year, value_num, value_text, manual_status, note, actor, recorded_at
      FROM indicator_actuals ORDER BY code, year"""

ACTUAL_FOR_UPDATE = """
    SELECT value_num, value_text, manual_status, note, version FROM indicator_actuals
     WHERE code = :code AND year = :year FOR UPDATE"""

UPSERT_ACTUAL = """
    INSERT INTO indicator_actuals (code, year, value_num, value_text, manual_status, note, actor)
    VALUES (:code, :year, :value_num, :value_text, :manual_status, :note, :actor)
    ON CONFLICT (code, year) DO UPDATE SET
        value_num = EXCLUDED.value_num, value_text = EXCLUDED.value_text,
        manual_status = EXCLUDED.manual_status, note = EXCLUDED.note, actor = EXCLUDED.actor,
        recorded_at = now(), version = indicator_actuals.version + 1
    RETURNING version"""

# Indicator history shares the append-only progress_events, under collection "indicators".
INSERT_EVENT = """
    INSERT INTO progress_events (collection_id, feature_id, actor, action, old_values, new_values, reason,
                                 unconditional, version)
    VALUES ('indicators', :feature_id, :actor, :action, CAST(:old_values AS jsonb), CAST(:new_values AS jsonb),
            :reason, true, :version)"""
