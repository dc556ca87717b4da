"""Parcel-check reports, batch jobs and job rows.

Revision ID: 0006_parcel_checks
Revises: 0005_progress_auth
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0006_parcel_checks"
down_revision = "0005_progress_auth"
branch_labels = None
depends_on = None

JSONB = postgresql.JSONB(astext_type=sa.Text())


def _geometry() -> Geometry:
    return Geometry(srid=4490, dimension=2, spatial_index=False, from_text="ST_GeomFromEWKT",
                    name="geometry")


def upgrade() -> None:
    op.create_geospatial_table(
        "parcel_check_reports",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("proposed_use", sa.Text(), nullable=True),
        sa.Column("input_crs", sa.Text(), nullable=False),
        sa.Column("verdict", sa.Text(), nullable=False),
        sa.Column("geom", _geometry(), nullable=False),
        sa.Column("result", JSONB, nullable=False),
        sa.Column("data_versions", JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index("idx_parcel_check_reports_geom", "parcel_check_reports", ["geom"],
                               unique=False, postgresql_using="gist", postgresql_ops={})
    op.create_index("parcel_check_reports_created_idx", "parcel_check_reports", ["created_at"])

    op.create_table(
        "parcel_check_jobs",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), server_default=sa.text("'queued'"), nullable=False),
        sa.Column("percent", sa.Numeric(5, 2), server_default=sa.text("0"), nullable=False),
        sa.Column("total", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("processed", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("worker", sa.Text(), nullable=True),
        sa.Column("error", JSONB, nullable=True),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("options", JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("columns", JSONB, server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("input_file", sa.LargeBinary(), nullable=True),
        sa.CheckConstraint("state IN ('queued', 'running', 'succeeded', 'failed')",
                           name="parcel_check_jobs_state_ck"),
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name="parcel_check_jobs_percent_ck"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("parcel_check_jobs_state_idx", "parcel_check_jobs", ["state", "created_at"])

    op.create_geospatial_table(
        "parcel_check_job_rows",
        sa.Column("job_id", sa.Text(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("attributes", JSONB, server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("geom", _geometry(), nullable=True),
        sa.Column("verdict", sa.Text(), nullable=True),
        sa.Column("result", JSONB, nullable=True),
        sa.Column("error", JSONB, nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["parcel_check_jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "row_number"),
    )
    op.create_index("parcel_check_job_rows_pending_idx", "parcel_check_job_rows", ["job_id", "row_number"],
                    postgresql_where=sa.text("result IS NULL AND error IS NULL"))


def downgrade() -> None:
    op.drop_index("parcel_check_job_rows_pending_idx", table_name="parcel_check_job_rows")
    op.drop_geospatial_table("parcel_check_job_rows")
    op.drop_index("parcel_check_jobs_state_idx", table_name="parcel_check_jobs")
    op.drop_table("parcel_check_jobs")
    op.drop_index("parcel_check_reports_created_idx", table_name="parcel_check_reports")
    op.drop_geospatial_index("idx_parcel_check_reports_geom", table_name="parcel_check_reports",
                             postgresql_using="gist", column_name="geom")
    op.drop_geospatial_table("parcel_check_reports")
