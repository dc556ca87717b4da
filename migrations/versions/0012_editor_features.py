"""Features created by editors (origin), the per-key unconditional-writes flag, and the
OGC process a job runs (jobs are OGC API – Processes jobs), and unaccent for CQL2 ACCENTI.

Revision ID: 0012_editor_features
Revises: 0011_analysis
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_editor_features"
down_revision = "0011_analysis"
branch_labels = None
depends_on = None

PLAN_TABLES = ("admin_units", "sub_areas", "function_zones", "agri_areas", "urban_village_sites",
               "green_corridors", "ecology_sites", "projects", "other_places", "admin_context")


def upgrade() -> None:
    # Shipped with PostgreSQL's contrib modules (Debian's postgresql-15, the postgis images); trusted.
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for table in PLAN_TABLES:
        op.add_column(table, sa.Column("origin", sa.Text(), nullable=False, server_default=sa.text("'seed'")))
        op.create_check_constraint(f"{table}_origin_ck", table, "origin IN ('seed', 'editor')")
    op.add_column("api_keys", sa.Column("unconditional_writes", sa.Boolean(), nullable=False,
                                        server_default=sa.text("false")))
    op.add_column("parcel_check_jobs", sa.Column("process_id", sa.Text(), nullable=False,
                                                 server_default=sa.text("'parcel-check-batch'")))


def downgrade() -> None:
    op.execute("DROP EXTENSION IF EXISTS unaccent")
    op.drop_column("parcel_check_jobs", "process_id")
    op.drop_column("api_keys", "unconditional_writes")
    for table in PLAN_TABLES:
        op.drop_constraint(f"{table}_origin_ck", table, type_="check")
        op.drop_column(table, "origin")
