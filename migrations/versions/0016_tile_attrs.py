"""Tile attributes stored with the bands, so an unfiltered tile reads no source row.

The bands already built carry no attributes: they are emptied (with their state and seeds)
and rebuilt by the seeding worker or `gis-service tiles build`; tiles are cut live meanwhile.

Revision ID: 0016_tile_attrs
Revises: 0015_batch_reports
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0016_tile_attrs"
down_revision = "0015_batch_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("tile_seeds", "tile_state", "tile_aggregates", "tile_geoms"):
        op.execute(f"DELETE FROM {table}")
    op.add_column("tile_geoms", sa.Column("attrs", JSONB(), nullable=False))


def downgrade() -> None:
    op.drop_column("tile_geoms", "attrs")
