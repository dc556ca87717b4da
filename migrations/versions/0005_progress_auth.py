"""Progress tracking, history, API keys (issue 7). Placeholder until filled in.

Revision ID: 0005_progress_auth
Revises: 0004_indicators
"""
revision = "0005_progress_auth"
down_revision = "0004_indicators"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
