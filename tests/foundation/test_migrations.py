"""Migrations go up, down and up again, and agree with the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from gis_service.db.migrate import downgrade, include_object, upgrade
from gis_service.db.all_models import Base
from gis_service.db.models import PLAN_MODELS


def test_up_down_up(pg):
    url = pg.create_db("mig_roundtrip")
    try:
        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert set(PLAN_MODELS) | {"layer_meta", "progress_events", "user_features"} <= tables
            assert conn.execute(text("SELECT count(*) FROM pg_extension WHERE extname='postgis'")).scalar() == 1
        downgrade(url)
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            assert not (set(PLAN_MODELS) & tables)
            assert conn.execute(text("SELECT count(*) FROM pg_extension WHERE extname='postgis'")).scalar() == 0
        upgrade(url)
        with engine.connect() as conn:
            assert "projects" in inspect(conn).get_table_names()
        engine.dispose()
    finally:
        pg.drop_db("mig_roundtrip")


def test_models_match_migrations(migrated_db):
    engine = create_engine(migrated_db)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object,
                                                     "compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    engine.dispose()
    assert diff == [], diff


def test_geometry_columns_are_4490_with_gist(migrated_db):
    engine = create_engine(migrated_db)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT f_table_name, srid, type FROM geometry_columns WHERE f_table_schema='public'")).all()
        indexes = conn.execute(text(
            "SELECT tablename FROM pg_indexes WHERE indexdef ILIKE '%USING gist%'")).scalars().all()
    engine.dispose()
    by_table = {r.f_table_name: (r.srid, r.type) for r in rows}
    for table, model in PLAN_MODELS.items():
        assert by_table[table] == (4490, model.__geometry_type__), table
        assert table in indexes
