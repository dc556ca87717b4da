"""Synthetic cadastre working layer (issue 8). Placeholder until filled in.

Revision ID: 0007_parcels
Revises: 0006_parcel_checks
"""
revision = "0007_parcels"
down_revision = "0006_parcel_checks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
