"""Core schema: one table per plan collection, layer_meta, user_features, history.

Revision ID: 0002_core_schema
Revises: 0001_postgis
Create Date: 2026-11-24 22:36:36.786913
"""
from alembic import op
import sqlalchemy as sa
import geoalchemy2
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = '0002_core_schema'
down_revision = '0001_postgis'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_geospatial_table('admin_context',
    sa.Column('level', sa.Text(), nullable=True),
    sa.Column('admin_code', sa.Text(), nullable=True),
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('category', sa.Text(), nullable=True),
    sa.Column('plan_ref', sa.Text(), nullable=True),
    sa.Column('geometry_quality', sa.Text(), nullable=False),
    sa.Column('location_basis', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('confidence', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('area_hint', sa.Text(), nullable=True),
    sa.Column('retired', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.CheckConstraint("(geom IS NULL) = (location_basis = 'unlocated')", name='admin_context_unlocated_ck'),
    sa.CheckConstraint("geometry_quality IN ('official', 'approximate', 'schematic')", name='admin_context_quality_ck'),
    sa.CheckConstraint("location_basis IN ('official', 'gazetteer', 'area_hint', 'unlocated', 'surveyed', 'user')", name='admin_context_basis_ck'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_geospatial_index('idx_admin_context_geom', 'admin_context', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('admin_units',
    sa.Column('level', sa.Text(), nullable=True),
    sa.Column('admin_code', sa.Text(), nullable=True),
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('category', sa.Text(), nullable=True),
    sa.Column('plan_ref', sa.Text(), nullable=True),
    sa.Column('geometry_quality', sa.Text(), nullable=False),
    sa.Column('location_basis', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('confidence', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('area_hint', sa.Text(), nullable=True),
    sa.Column('retired', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.CheckConstraint("(geom IS NULL) = (location_basis = 'unlocated')", name='admin_units_unlocated_ck'),
    sa.CheckConstraint("geometry_quality IN ('official', 'approximate', 'schematic')", name='admin_units_quality_ck'),
    sa.CheckConstraint("location_basis IN ('official', 'gazetteer', 'area_hint', 'unlocated', 'surveyed', 'user')", name='admin_units_basis_ck'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_geospatial_index('idx_admin_units_geom', 'admin_units', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('agri_areas',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('category', sa.Text(), nullable=True),
    sa.Column('plan_ref', sa.Text(), nullable=True),
    sa.Column('geometry_quality', sa.Text(), nullable=False),
    sa.Column('location_basis', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('confidence', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('area_hint', sa.Text(), nullable=True),
    sa.Column('retired', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.CheckConstraint("(geom IS NULL) = (location_basis = 'unlocated')", name='agri_areas_unlocated_ck'),
    sa.CheckConstraint("geometry_quality IN ('official', 'approximate', 'schematic')", name='agri_areas_quality_ck'),
    sa.CheckConstraint("location_basis IN ('official', 'gazetteer', 'area_hint', 'unlocated', 'surveyed', 'user')", name='agri_areas_basis_ck'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_geospatial_index('idx_agri_areas_geom', 'agri_areas', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('ecology_sites',
    sa.Column('status', sa.Text(), server_default=sa.text("'unknown'"), nullable=False),
    sa.Column('percent_complete', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('status_date', sa.Date(), nullable=True),
    sa.Column('progress_note', sa.Text(), nullable=True),
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('category', sa.Text(), nullable=True),
    sa.Column('plan_ref', sa.Text(), nullable=True),
    sa.Column('geometry_quality', sa.Text(), nullable=False),
    sa.Column('location_basis', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('confidence', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('area_hint', sa.Text(), nullable=True),
    sa.Column('retired', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.CheckConstraint("(geom IS NULL) = (location_basis = 'unlocated')", name='ecology_sites_unlocated_ck'),
    sa.CheckConstraint("geometry_quality IN ('official', 'approximate', 'schematic')", name='ecology_sites_quality_ck'),
    sa.CheckConstraint("location_basis IN ('official', 'gazetteer', 'area_hint', 'unlocated', 'surveyed', 'user')", name='ecology_sites_basis_ck'),
    sa.CheckConstraint("status IN ('unknown', 'planned', 'preliminary', 'new_start', 'ongoing', 'completed', 'operating', 'suspended')", name='ecology_sites_status_ck'),
    sa.CheckConstraint('percent_complete BETWEEN 0 AND 100', name='ecology_sites_percent_ck'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_geospatial_index('idx_ecology_sites_geom', 'ecology_sites', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('function_zones',
    sa.Column('zone_class', sa.Text(), nullable=True),
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('category', sa.Text(), nullable=True),
    sa.Column('plan_ref', sa.Text(), nullable=True),
    sa.Column('geometry_quality', sa.Text(), nullable=False),
    sa.Column('location_basis', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('confidence', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('area_hint', sa.Text(), nullable=True),
    sa.Column('retired', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.CheckConstraint("(geom IS NULL) = (location_basis = 'unlocated')", name='function_zones_unlocated_ck'),
    sa.CheckConstraint("geometry_quality IN ('official', 'approximate', 'schematic')", name='function_zones_quality_ck'),
    sa.CheckConstraint("location_basis IN ('official', 'gazetteer', 'area_hint', 'unlocated', 'surveyed', 'user')", name='function_zones_basis_ck'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_geospatial_index('idx_function_zones_geom', 'function_zones', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('green_corridors',
    sa.Column('status', sa.Text(), server_default=sa.text("'unknown'"), nullable=False),
    sa.Column('percent_complete', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('status_date', sa.Date(), nullable=True),
    sa.Column('progress_note', sa.Text(), nullable=True),
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('category', sa.Text(), nullable=True),
    sa.Column('plan_ref', sa.Text(), nullable=True),
    sa.Column('geometry_quality', sa.Text(), nullable=False),
    sa.Column('location_basis', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('confidence', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('area_hint', sa.Text(), nullable=True),
    sa.Column('retired', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTILINESTRING', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.CheckConstraint("(geom IS NULL) = (location_basis = 'unlocated')", name='green_corridors_unlocated_ck'),
    sa.CheckConstraint("geometry_quality IN ('official', 'approximate', 'schematic')", name='green_corridors_quality_ck'),
    sa.CheckConstraint("location_basis IN ('official', 'gazetteer', 'area_hint', 'unlocated', 'surveyed', 'user')", name='green_corridors_basis_ck'),
    sa.CheckConstraint("status IN ('unknown', 'planned', 'preliminary', 'new_start', 'ongoing', 'completed', 'operating', 'suspended')", name='green_corridors_status_ck'),
    sa.CheckConstraint('percent_complete BETWEEN 0 AND 100', name='green_corridors_percent_ck'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_geospatial_index('idx_green_corridors_geom', 'green_corridors', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('layer_meta',
    sa.Column('collection_id', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), server_default=sa.text("'plan'"), nullable=False),
    sa.Column('title_zh', sa.Text(), nullable=False),
    sa.Column('title_en', sa.Text(), nullable=True),
    sa.Column('description_zh', sa.Text(), nullable=True),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('geometry_type', sa.Text(), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('license', sa.Text(), nullable=True),
    sa.Column('style', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('data_version', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('feature_count', sa.BigInteger(), server_default=sa.text('0'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('plan', 'user', 'working')", name='layer_meta_kind_ck'),
    sa.PrimaryKeyConstraint('collection_id')
    )
    op.create_geospatial_table('other_places',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('category', sa.Text(), nullable=True),
    sa.Column('plan_ref', sa.Text(), nullable=True),
    sa.Column('geometry_quality', sa.Text(), nullable=False),
    sa.Column('location_basis', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('confidence', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('area_hint', sa.Text(), nullable=True),
    sa.Column('retired', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.CheckConstraint("(geom IS NULL) = (location_basis = 'unlocated')", name='other_places_unlocated_ck'),
    sa.CheckConstraint("geometry_quality IN ('official', 'approximate', 'schematic')", name='other_places_quality_ck'),
    sa.CheckConstraint("location_basis IN ('official', 'gazetteer', 'area_hint', 'unlocated', 'surveyed', 'user')", name='other_places_basis_ck'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_geospatial_index('idx_other_places_geom', 'other_places', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('progress_events',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('collection_id', sa.Text(), nullable=False),
    sa.Column('feature_id', sa.Text(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('old_values', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('new_values', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('unconditional', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('progress_events_feature_idx', 'progress_events', ['collection_id', 'feature_id', 'recorded_at'], unique=False)
    op.create_geospatial_table('projects',
    sa.Column('status', sa.Text(), server_default=sa.text("'unknown'"), nullable=False),
    sa.Column('percent_complete', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('status_date', sa.Date(), nullable=True),
    sa.Column('progress_note', sa.Text(), nullable=True),
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('category', sa.Text(), nullable=True),
    sa.Column('plan_ref', sa.Text(), nullable=True),
    sa.Column('geometry_quality', sa.Text(), nullable=False),
    sa.Column('location_basis', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('confidence', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('area_hint', sa.Text(), nullable=True),
    sa.Column('retired', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.CheckConstraint("(geom IS NULL) = (location_basis = 'unlocated')", name='projects_unlocated_ck'),
    sa.CheckConstraint("geometry_quality IN ('official', 'approximate', 'schematic')", name='projects_quality_ck'),
    sa.CheckConstraint("location_basis IN ('official', 'gazetteer', 'area_hint', 'unlocated', 'surveyed', 'user')", name='projects_basis_ck'),
    sa.CheckConstraint("status IN ('unknown', 'planned', 'preliminary', 'new_start', 'ongoing', 'completed', 'operating', 'suspended')", name='projects_status_ck'),
    sa.CheckConstraint('percent_complete BETWEEN 0 AND 100', name='projects_percent_ck'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_geospatial_index('idx_projects_geom', 'projects', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('sub_areas',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('category', sa.Text(), nullable=True),
    sa.Column('plan_ref', sa.Text(), nullable=True),
    sa.Column('geometry_quality', sa.Text(), nullable=False),
    sa.Column('location_basis', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('confidence', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('area_hint', sa.Text(), nullable=True),
    sa.Column('retired', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.CheckConstraint("(geom IS NULL) = (location_basis = 'unlocated')", name='sub_areas_unlocated_ck'),
    sa.CheckConstraint("geometry_quality IN ('official', 'approximate', 'schematic')", name='sub_areas_quality_ck'),
    sa.CheckConstraint("location_basis IN ('official', 'gazetteer', 'area_hint', 'unlocated', 'surveyed', 'user')", name='sub_areas_basis_ck'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_geospatial_index('idx_sub_areas_geom', 'sub_areas', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('urban_village_sites',
    sa.Column('status', sa.Text(), server_default=sa.text("'unknown'"), nullable=False),
    sa.Column('percent_complete', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('status_date', sa.Date(), nullable=True),
    sa.Column('progress_note', sa.Text(), nullable=True),
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('category', sa.Text(), nullable=True),
    sa.Column('plan_ref', sa.Text(), nullable=True),
    sa.Column('geometry_quality', sa.Text(), nullable=False),
    sa.Column('location_basis', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('confidence', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('area_hint', sa.Text(), nullable=True),
    sa.Column('retired', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.CheckConstraint("(geom IS NULL) = (location_basis = 'unlocated')", name='urban_village_sites_unlocated_ck'),
    sa.CheckConstraint("geometry_quality IN ('official', 'approximate', 'schematic')", name='urban_village_sites_quality_ck'),
    sa.CheckConstraint("location_basis IN ('official', 'gazetteer', 'area_hint', 'unlocated', 'surveyed', 'user')", name='urban_village_sites_basis_ck'),
    sa.CheckConstraint("status IN ('unknown', 'survey', 'plan_approved', 'signing', 'demolition', 'resettlement_build', 'returning', 'done')", name='urban_village_sites_status_ck'),
    sa.CheckConstraint('percent_complete BETWEEN 0 AND 100', name='urban_village_sites_percent_ck'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_geospatial_index('idx_urban_village_sites_geom', 'urban_village_sites', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('user_features',
    sa.Column('pk', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('collection_id', sa.Text(), nullable=False),
    sa.Column('feature_id', sa.Text(), nullable=False),
    sa.Column('retired', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('properties', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('geom', Geometry(srid=4490, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry'), nullable=True),
    sa.ForeignKeyConstraint(['collection_id'], ['layer_meta.collection_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk')
    )
    op.create_geospatial_index('idx_user_features_geom', 'user_features', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index('user_features_collection_feature_uq', 'user_features', ['collection_id', 'feature_id'], unique=True)



def downgrade() -> None:

    op.drop_index('user_features_collection_feature_uq', table_name='user_features')
    op.drop_geospatial_index('idx_user_features_geom', table_name='user_features', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('user_features')
    op.drop_geospatial_index('idx_urban_village_sites_geom', table_name='urban_village_sites', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('urban_village_sites')
    op.drop_geospatial_index('idx_sub_areas_geom', table_name='sub_areas', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('sub_areas')
    op.drop_geospatial_index('idx_projects_geom', table_name='projects', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('projects')
    op.drop_index('progress_events_feature_idx', table_name='progress_events')
    op.drop_table('progress_events')
    op.drop_geospatial_index('idx_other_places_geom', table_name='other_places', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('other_places')
    op.drop_table('layer_meta')
    op.drop_geospatial_index('idx_green_corridors_geom', table_name='green_corridors', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('green_corridors')
    op.drop_geospatial_index('idx_function_zones_geom', table_name='function_zones', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('function_zones')
    op.drop_geospatial_index('idx_ecology_sites_geom', table_name='ecology_sites', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('ecology_sites')
    op.drop_geospatial_index('idx_agri_areas_geom', table_name='agri_areas', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('agri_areas')
    op.drop_geospatial_index('idx_admin_units_geom', table_name='admin_units', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('admin_units')
    op.drop_geospatial_index('idx_admin_context_geom', table_name='admin_context', postgresql_using='gist', column_name='geom')
    op.drop_geospatial_table('admin_context')

