"""Shared rate-limit counters (fixed windows per key and request class).

Revision ID: 0008_limits
Revises: 0007_parcels
"""
import sqlalchemy as sa
from alembic import op

revision = "0008_limits"
down_revision = "0007_parcels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_counters",
        sa.Column("bucket", sa.Text(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", "window_start"),
    )


def downgrade() -> None:
    op.drop_table("rate_limit_counters")
