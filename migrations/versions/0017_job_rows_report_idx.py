"""An index on the batch rows' report, for the foreign key's ON DELETE SET NULL.

Deleting a stored report clears ``report_id`` on its job row; without an index on that column
every deleted report scanned all job rows.

Revision ID: 0017_job_rows_report_idx
Revises: 0016_tile_attrs
"""
import sqlalchemy as sa
from alembic import op

revision = "0017_job_rows_report_idx"
down_revision = "0016_tile_attrs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("parcel_check_job_rows_report_idx", "parcel_check_job_rows", ["report_id"],
                    postgresql_where=sa.text("report_id IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("parcel_check_job_rows_report_idx", table_name="parcel_check_job_rows")
