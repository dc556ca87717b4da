"""Plan indicators (表2 主要指标).

Revision ID: 0004_indicators
Revises: 0003_collection_triggers
Create Date: 2026-11-24 22:38:22.839152
"""
from alembic import op
import sqlalchemy as sa
import geoalchemy2


revision = '0004_indicators'
down_revision = '0003_collection_triggers'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('indicators',
    sa.Column('code', sa.Text(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('group_name', sa.Text(), nullable=True),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('unit', sa.Text(), nullable=True),
    sa.Column('value_2015', sa.Text(), nullable=True),
    sa.Column('target_2020', sa.Text(), nullable=True),
    sa.Column('annual_rate', sa.Text(), nullable=True),
    sa.Column('attribute', sa.Text(), nullable=True),
    sa.Column('direction', sa.Text(), nullable=True),
    sa.Column('target_kind', sa.Text(), nullable=False),
    sa.Column('value_2015_num', sa.Numeric(), nullable=True),
    sa.Column('target_2020_num', sa.Numeric(), nullable=True),
    sa.CheckConstraint("target_kind IN ('numeric', 'text')", name='indicators_target_kind_ck'),
    sa.PrimaryKeyConstraint('code')
    )



def downgrade() -> None:

    op.drop_table('indicators')

