"""Cadastre (宗地) working layer, with the same data_version/count triggers as plan layers.

Revision ID: 0007_parcels
Revises: 0006_parcel_checks
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0007_parcels"
down_revision = "0006_parcel_checks"
branch_labels = None
depends_on = None

EVENTS = {"INSERT": "NEW TABLE AS new_rows", "UPDATE": "NEW TABLE AS new_rows OLD TABLE AS old_rows",
          "DELETE": "OLD TABLE AS old_rows"}


def upgrade() -> None:
    op.create_geospatial_table(
        "parcels",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("land_use", sa.Text(), nullable=False),
        sa.Column("land_use_name", sa.Text(), nullable=False),
        sa.Column("area_m2", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("admin_unit", sa.Text(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("retired", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("properties", postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("geom", Geometry(geometry_type="MULTIPOLYGON", srid=4490, dimension=2, spatial_index=False,
                                   from_text="ST_GeomFromEWKT", name="geometry"), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_geospatial_index("idx_parcels_geom", "parcels", ["geom"], unique=False,
                               postgresql_using="gist", postgresql_ops={})
    # Same mechanism as the plan tables (0003): one bump per write statement.
    for event, refs in EVENTS.items():
        op.execute(f"CREATE TRIGGER parcels_meta_{event.lower()} AFTER {event} ON parcels "
                   f"REFERENCING {refs} FOR EACH STATEMENT EXECUTE FUNCTION gis_bump_plan_collection()")


def downgrade() -> None:
    for event in EVENTS:
        op.execute(f"DROP TRIGGER IF EXISTS parcels_meta_{event.lower()} ON parcels")
    op.drop_geospatial_index("idx_parcels_geom", table_name="parcels", postgresql_using="gist",
                             column_name="geom")
    op.drop_geospatial_table("parcels")
