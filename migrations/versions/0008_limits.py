"""Shared rate-limit state (issue 9). Placeholder until filled in.

Revision ID: 0008_limits
Revises: 0007_parcels
"""
revision = "0008_limits"
down_revision = "0007_parcels"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
