"""Implementation supervision: lifecycle stage plans, indicator monitoring, the warning register.

Revision ID: 0010_monitoring
Revises: 0009_post_write_queue
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010_monitoring"
down_revision = "0009_post_write_queue"
branch_labels = None
depends_on = None

_NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "lifecycle_plans",
        sa.Column("collection_id", sa.Text(), primary_key=True),
        sa.Column("feature_id", sa.Text(), primary_key=True),
        sa.Column("stages", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("responsible_unit", sa.Text()),
        sa.Column("documents", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("demo", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.CheckConstraint("collection_id IN ('projects', 'urban_village_sites')",
                           name="lifecycle_plans_collection_ck"),
    )
    op.create_table(
        "indicator_monitoring",
        sa.Column("code", sa.Text(), primary_key=True),
        sa.Column("yellow_at", sa.Numeric(), server_default=sa.text("0.05"), nullable=False),
        sa.Column("red_at", sa.Numeric(), server_default=sa.text("0.15"), nullable=False),
        *(sa.Column(name, sa.Text()) for name in ("caliber", "formula", "data_source", "responsible_unit",
                                                  "frequency", "updated_by")),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.CheckConstraint("yellow_at >= 0 AND red_at > yellow_at", name="indicator_monitoring_thresholds_ck"),
    )
    op.create_table(
        "warnings",
        sa.Column("id", sa.BigInteger(), primary_key=True, autoincrement=True),
        *(sa.Column(name, sa.Text(), nullable=False) for name in (
            "source", "rule", "subject_type", "subject_id", "severity", "reason_zh", "reason_en", "link")),
        sa.Column("detail", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("status", sa.Text(), server_default=sa.text("'open'"), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.Column("raised_by", sa.Text(), server_default=sa.text("'system'"), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.Column("acknowledged_by", sa.Text()),
        sa.Column("acknowledged_comment", sa.Text()),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("closed_by", sa.Text()),
        sa.Column("closed_comment", sa.Text()),
        sa.Column("cleared_at", sa.DateTime(timezone=True)),
        sa.Column("cleared_by", sa.Text()),
        sa.CheckConstraint("status IN ('open', 'acknowledged', 'closed', 'cleared')", name="warnings_status_ck"),
        sa.CheckConstraint("severity IN ('red', 'yellow', 'info')", name="warnings_severity_ck"),
        sa.CheckConstraint("subject_type IN ('feature', 'indicator')", name="warnings_subject_type_ck"),
    )
    op.create_index("warnings_active_uq", "warnings", ["rule", "subject_id"], unique=True,
                    postgresql_where=sa.text("cleared_at IS NULL"))
    op.create_index("warnings_source_subject_idx", "warnings", ["source", "subject_id"])


def downgrade() -> None:
    op.drop_index("warnings_source_subject_idx", table_name="warnings")
    op.drop_index("warnings_active_uq", table_name="warnings")
    op.drop_table("warnings")
    op.drop_table("indicator_monitoring")
    op.drop_table("lifecycle_plans")
