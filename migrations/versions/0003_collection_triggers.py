"""Triggers that keep layer_meta.data_version and feature_count exact.

Statement-level triggers with transition tables: one bump per write statement,
so a 200k-row load costs one layer_meta update, not 200k. A statement that
touched no row bumps nothing, which keeps idempotent reloads silent.

Revision ID: 0003_collection_triggers
Revises: 0002_core_schema
"""
from alembic import op

revision = "0003_collection_triggers"
down_revision = "0002_core_schema"
branch_labels = None
depends_on = None

PLAN_TABLES = (
    "admin_units", "sub_areas", "function_zones", "agri_areas", "urban_village_sites",
    "green_corridors", "ecology_sites", "projects", "other_places", "admin_context",
)
EVENTS = {"INSERT": "NEW TABLE AS new_rows", "UPDATE": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
          "DELETE": "OLD TABLE AS old_rows"}

# Rows per collection that changed, and the change in live (non-retired) rows.
DELTA_SQL = {
    "INSERT": "SELECT {key} AS k, count(*) AS n, count(*) FILTER (WHERE NOT retired) AS live FROM new_rows GROUP BY 1",
    "DELETE": "SELECT {key} AS k, count(*) AS n, -count(*) FILTER (WHERE NOT retired) AS live FROM old_rows GROUP BY 1",
    "UPDATE": (
        "SELECT k, sum(n) AS n, sum(live) AS live FROM ("
        " SELECT {key} AS k, 1 AS n, (NOT retired)::int AS live FROM new_rows"
        " UNION ALL SELECT {key}, 0, -((NOT retired)::int) FROM old_rows) t GROUP BY 1"
    ),
}


def _function(name: str, key: str) -> str:
    branches = "\n".join(
        f"""  {'IF' if i == 0 else 'ELSIF'} TG_OP = '{op_}' THEN
    UPDATE layer_meta m SET data_version = m.data_version + 1,
           feature_count = m.feature_count + d.live, updated_at = now()
      FROM ({DELTA_SQL[op_].format(key=key)}) d
     WHERE m.collection_id = d.k AND d.n > 0;"""
        for i, op_ in enumerate(EVENTS)
    )
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{branches}
  END IF;
  RETURN NULL;
END $$;"""


def upgrade() -> None:
    op.execute(_function("gis_bump_plan_collection", "TG_TABLE_NAME::text"))
    op.execute(_function("gis_bump_user_collection", "collection_id"))
    for table in (*PLAN_TABLES, "user_features"):
        fn = "gis_bump_user_collection" if table == "user_features" else "gis_bump_plan_collection"
        for event, refs in EVENTS.items():
            op.execute(
                f"CREATE TRIGGER {table}_meta_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION {fn}()"
            )


def downgrade() -> None:
    for table in (*PLAN_TABLES, "user_features"):
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_meta_{event.lower()} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS gis_bump_plan_collection()")
    op.execute("DROP FUNCTION IF EXISTS gis_bump_user_collection()")
