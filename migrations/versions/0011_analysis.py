"""Plan-wide analysis: the conflict register with its history, and the index of recorded seed loads.

Revision ID: 0011_analysis
Revises: 0010_monitoring
"""
import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_analysis"
down_revision = "0010_monitoring"
branch_labels = None
depends_on = None


def _conflicts() -> None:
    op.create_table(
        "plan_conflicts",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        *(sa.Column(name, sa.Text(), nullable=False) for name in (
            "conflict_key", "rule", "hit_type", "severity", "subject_collection", "subject_id")),
        sa.Column("subject_name", sa.Text()),
        sa.Column("object_collection", sa.Text(), nullable=False),
        sa.Column("object_id", sa.Text(), nullable=False),
        sa.Column("object_name", sa.Text()),
        sa.Column("proposed_use", sa.Text()),
        *(sa.Column(name, sa.Float()) for name in ("overlap_m2", "share", "length_m", "distance_m")),
        sa.Column("inconsistency", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("detail", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("geom", geoalchemy2.Geometry("GEOMETRY", srid=4490, spatial_index=False)),
    )
    op.create_index("plan_conflicts_open_uq", "plan_conflicts", ["conflict_key"], unique=True,
                    postgresql_where=sa.text("closed_at IS NULL"))
    op.create_index("plan_conflicts_subject_idx", "plan_conflicts", ["subject_collection", "subject_id"])



def upgrade() -> None:
    op.create_index("progress_events_load_idx", "progress_events", ["recorded_at"],
                    postgresql_where=sa.text("action = 'load'"))
    _conflicts()


def downgrade() -> None:
    op.drop_table("plan_conflicts")
    op.drop_index("progress_events_load_idx", table_name="progress_events")
