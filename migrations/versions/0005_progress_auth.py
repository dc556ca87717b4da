"""Progress tracking, history, API keys.

Adds investment (万元) and 批复文号 to the four progress tables, 签约率/腾空率/拆除面积
to urban villages, the indicator CSV's comparison columns, and the tables for
photos, API keys, browser sessions, the audit log and indicator actuals. History
(progress_events) and the audit log become append-only by trigger.

Revision ID: 0005_progress_auth
Revises: 0004_indicators
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_progress_auth"
down_revision = "0004_indicators"
branch_labels = None
depends_on = None

PROGRESS_TABLES = ("urban_village_sites", "green_corridors", "ecology_sites", "projects")
APPEND_ONLY = ("progress_events", "audit_log")
NOW = sa.text("now()")


def upgrade() -> None:
    for table in PROGRESS_TABLES:
        op.add_column(table, sa.Column("investment_planned_wan", sa.Numeric(14, 2), nullable=True))
        op.add_column(table, sa.Column("investment_completed_wan", sa.Numeric(14, 2), nullable=True))
        op.add_column(table, sa.Column("approval_no", sa.Text(), nullable=True))
        op.create_check_constraint(f"{table}_investment_ck", table,
                                   "investment_planned_wan >= 0 AND investment_completed_wan >= 0")
    op.add_column("urban_village_sites", sa.Column("signing_rate", sa.Numeric(5, 2), nullable=True))
    op.add_column("urban_village_sites", sa.Column("vacated_rate", sa.Numeric(5, 2), nullable=True))
    op.add_column("urban_village_sites", sa.Column("demolished_area_m2", sa.Numeric(14, 2), nullable=True))
    op.create_check_constraint("urban_village_sites_metrics_ck", "urban_village_sites",
                               "signing_rate BETWEEN 0 AND 100 AND vacated_rate BETWEEN 0 AND 100 "
                               "AND demolished_area_m2 >= 0")
    op.add_column("indicators", sa.Column("parent_code", sa.Text(), nullable=True))
    op.add_column("indicators", sa.Column("target_op", sa.Text(), nullable=True))
    op.add_column("indicators", sa.Column("target_value", sa.Numeric(), nullable=True))
    op.add_column("indicators", sa.Column("source_note", sa.Text(), nullable=True))

    op.create_table(
        "api_keys",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("key_hash", sa.Text(), nullable=False),
        sa.Column("key_prefix", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="api_keys_role_ck"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("key_id", sa.BigInteger(), nullable=False),
        sa.Column("csrf_token", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_table(
        "progress_photos",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("collection_id", sa.Text(), nullable=False),
        sa.Column("feature_id", sa.Text(), nullable=False),
        sa.Column("stored_name", sa.Text(), nullable=False),
        sa.Column("original_name", sa.Text(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("uploaded_by", sa.Text(), nullable=False),
        sa.Column("retired", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint("content_type IN ('image/jpeg', 'image/png')", name="progress_photos_type_ck"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("stored_name"),
    )
    op.create_index("progress_photos_feature_idx", "progress_photos", ["collection_id", "feature_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("collection_id", sa.Text(), nullable=True),
        sa.Column("feature_id", sa.Text(), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"),
                  nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("audit_log_recorded_idx", "audit_log", ["recorded_at"])
    op.create_table(
        "indicator_actuals",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value_num", sa.Numeric(), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("manual_status", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint("year BETWEEN 2015 AND 2030", name="indicator_actuals_year_ck"),
        sa.CheckConstraint("manual_status IN ('achieved', 'on_track', 'behind', 'no_data')",
                           name="indicator_actuals_status_ck"),
        sa.PrimaryKeyConstraint("code", "year"),
    )
    # History and audit are evidence: rows are only ever appended.
    op.execute("""
        CREATE FUNCTION gis_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
        END $$""")
    for table in APPEND_ONLY:
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION gis_append_only()")


def downgrade() -> None:
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute("DROP FUNCTION IF EXISTS gis_append_only()")
    op.drop_table("indicator_actuals")
    op.drop_index("audit_log_recorded_idx", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("progress_photos_feature_idx", table_name="progress_photos")
    op.drop_table("progress_photos")
    op.drop_table("web_sessions")
    op.drop_table("api_keys")
    for column in ("source_note", "target_value", "target_op", "parent_code"):
        op.drop_column("indicators", column)
    op.drop_constraint("urban_village_sites_metrics_ck", "urban_village_sites", type_="check")
    for column in ("demolished_area_m2", "vacated_rate", "signing_rate"):
        op.drop_column("urban_village_sites", column)
    for table in PROGRESS_TABLES:
        op.drop_constraint(f"{table}_investment_ck", table, type_="check")
        for column in ("approval_no", "investment_completed_wan", "investment_planned_wan"):
            op.drop_column(table, column)
