"""Durable queue of post-write re-evaluations whose subscriber failed (retried by drain).

Revision ID: 0009_post_write_queue
Revises: 0008_limits
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_post_write_queue"
down_revision = "0008_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "post_write_queue",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("subscriber", sa.Text(), nullable=False),
        sa.Column("event", postgresql.JSONB(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("queued_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True)),
    )
    op.create_index("post_write_queue_pending", "post_write_queue", ["id"],
                    postgresql_where=sa.text("done_at IS NULL"))


def downgrade() -> None:
    op.drop_index("post_write_queue_pending", table_name="post_write_queue")
    op.drop_table("post_write_queue")
