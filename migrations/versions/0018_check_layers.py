"""The plan layers as the parcel check measures them (EPSG:4547, screening measures), per stamp.

Every check statement transformed and measured the same few dozen plan features again (about half
of a single check's SQL). These tables keep them under the stamp of the layers' versions they were
built from; a statement reads them only when that stamp is its own, else it builds them live
(gis_service.queries.check_layers).

Revision ID: 0018_check_layers
Revises: 0017_job_rows_report_idx
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0018_check_layers"
down_revision = "0017_job_rows_report_idx"
branch_labels = None
depends_on = None

SRID = 4547
EXTRA = {
    "check_polys": [("kind", sa.Text()), ("location_basis", sa.Text()), ("plan_ref", sa.Text())],
    "check_screen": [("kind", sa.Text()), ("plan_ref", sa.Text()),
                     ("zone_g", Geometry(geometry_type="GEOMETRY", srid=SRID, spatial_index=False)),
                     ("zoned_fraction", sa.Float())],
    "check_points": [("category", sa.Text()), ("location_basis", sa.Text()), ("status", sa.Text())],
}


def upgrade() -> None:
    for name, extra in EXTRA.items():
        op.create_table(
            name,
            sa.Column("stamp", sa.Text(), nullable=False),
            sa.Column("idx", sa.Integer(), nullable=False),
            sa.Column("layer", sa.Text(), nullable=False),
            sa.Column("id", sa.Text(), nullable=False),
            sa.Column("name", sa.Text()),
            sa.Column("geometry_quality", sa.Text()),
            sa.Column("g", Geometry(geometry_type="GEOMETRY", srid=SRID, spatial_index=False), nullable=False),
            *(sa.Column(column, kind) for column, kind in extra),
            sa.PrimaryKeyConstraint("stamp", "idx"),
        )


def downgrade() -> None:
    for name in EXTRA:
        op.drop_table(name)
