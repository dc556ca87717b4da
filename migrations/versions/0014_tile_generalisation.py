"""Tile side tables: per-zoom Web Mercator geometry of large collections, build state, seeds.

Revision ID: 0014_tile_generalisation
Revises: 0013_audit_chain
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0014_tile_generalisation"
down_revision = "0013_audit_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")  # (collection_id, zoom, geom) in one GiST
    op.create_table(
        "tile_geoms",
        sa.Column("collection_id", sa.Text(), nullable=False),
        sa.Column("zoom", sa.SmallInteger(), nullable=False),
        sa.Column("feature_id", sa.Text(), nullable=False),
        sa.Column("size_m", sa.Float(), nullable=False),
        sa.Column("geom", Geometry(geometry_type="GEOMETRY", srid=3857, spatial_index=False), nullable=False),
        sa.PrimaryKeyConstraint("collection_id", "zoom", "feature_id"),
    )
    op.create_index("tile_geoms_band_gist", "tile_geoms", ["collection_id", "zoom", "geom"],
                    postgresql_using="gist")
    op.create_table(
        "tile_state",
        sa.Column("collection_id", sa.Text(), nullable=False),
        sa.Column("data_version", sa.BigInteger(), nullable=False),
        sa.Column("features", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("collection_id"),
    )
    op.create_table(
        "tile_aggregates",
        sa.Column("collection_id", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("admin_unit", sa.Text(), nullable=False),
        sa.Column("land_use", sa.Text(), nullable=False),
        sa.Column("land_use_name", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("geom", Geometry(geometry_type="POINT", srid=3857, spatial_index=False), nullable=False),
        sa.PrimaryKeyConstraint("collection_id", "key"),
    )
    op.create_table(
        "tile_seeds",
        sa.Column("collection_id", sa.Text(), nullable=False),
        sa.Column("data_version", sa.BigInteger(), nullable=False),
        sa.Column("z", sa.SmallInteger(), nullable=False),
        sa.Column("x", sa.Integer(), nullable=False),
        sa.Column("y", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("collection_id", "data_version", "z", "x", "y"),
    )


def downgrade() -> None:
    op.drop_table("tile_seeds")
    op.drop_table("tile_aggregates")
    op.drop_table("tile_state")
    op.drop_index("tile_geoms_band_gist", table_name="tile_geoms")
    op.drop_table("tile_geoms")
