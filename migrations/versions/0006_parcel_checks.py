"""Parcel-check reports and batch jobs (issue 5). Placeholder until filled in.

Revision ID: 0006_parcel_checks
Revises: 0005_progress_auth
"""
revision = "0006_parcel_checks"
down_revision = "0005_progress_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
