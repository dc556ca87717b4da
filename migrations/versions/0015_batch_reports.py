"""Batch rows link to their own stored report and carry the row's proposed use.

``report_id`` replaces the copy of the report each job row used to hold (``result`` stays for
jobs checked before this revision); ``proposed_use`` is the use that decided the row's verdict.
Reports are compressed with lz4, faster to write than the default pglz.

Revision ID: 0015_batch_reports
Revises: 0014_tile_generalisation
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_batch_reports"
down_revision = "0014_tile_generalisation"
branch_labels = None
depends_on = None

PENDING = "parcel_check_job_rows_pending_idx"


def upgrade() -> None:
    # A batch stores a report per row: lz4 compresses them several times faster than pglz.
    op.execute("ALTER TABLE parcel_check_reports ALTER COLUMN result SET COMPRESSION lz4")
    op.add_column("parcel_check_job_rows", sa.Column("proposed_use", sa.Text(), nullable=True))
    op.add_column("parcel_check_job_rows", sa.Column(
        "report_id", sa.Text(), sa.ForeignKey("parcel_check_reports.id", ondelete="SET NULL"), nullable=True))
    op.drop_index(PENDING, table_name="parcel_check_job_rows")
    op.create_index(PENDING, "parcel_check_job_rows", ["job_id", "row_number"],
                    postgresql_where=sa.text("report_id IS NULL AND result IS NULL AND error IS NULL"))


def downgrade() -> None:
    op.execute("ALTER TABLE parcel_check_reports ALTER COLUMN result SET COMPRESSION pglz")
    op.drop_index(PENDING, table_name="parcel_check_job_rows")
    op.create_index(PENDING, "parcel_check_job_rows", ["job_id", "row_number"],
                    postgresql_where=sa.text("result IS NULL AND error IS NULL"))
    op.drop_column("parcel_check_job_rows", "report_id")
    op.drop_column("parcel_check_job_rows", "proposed_use")
