"""The layer file checks again, this time on what PostGIS holds after `gis-service load`."""
import csv

import pytest
from sqlalchemy import create_engine, text

from gis_service.db.models import PLAN_MODELS
from gis_service.layerbuild.common import INVENTORY_FILE, SOURCES_DIR

from ..conftest import cloned_db

INVENTORY = SOURCES_DIR / INVENTORY_FILE


@pytest.fixture(scope="module")
def db(pg, loaded_template):
    with cloned_db(pg, loaded_template) as url:
        engine = create_engine(url)
        with engine.connect() as conn:
            yield conn
        engine.dispose()


def test_every_inventory_name_is_in_its_layer(db):
    with open(INVENTORY, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 148
    for row in rows:
        count = db.execute(text(f"SELECT count(*) FROM {row['layer']} WHERE name = :n AND NOT retired"),
                           {"n": row["name"]}).scalar()
        assert count == 1, (row["layer"], row["name"])


@pytest.mark.parametrize("table", sorted(PLAN_MODELS))
def test_geometries_valid_4490_single_type(db, table):
    expected = PLAN_MODELS[table].__geometry_type__
    bad = db.execute(text(
        f"SELECT id FROM {table} WHERE geom IS NOT NULL AND (NOT ST_IsValid(geom) OR ST_SRID(geom) <> 4490 "
        f"OR GeometryType(geom) <> :t)"), {"t": expected}).scalars().all()
    assert bad == []
    missing = db.execute(text(
        f"SELECT id FROM {table} WHERE plan_ref IS NULL OR source IS NULL")).scalars().all()
    if table != "admin_context":
        assert missing == []


def test_admin_units_partition_chengqu(db):
    gap, overlap = db.execute(text("""
        WITH d AS (SELECT geom FROM admin_units WHERE level = 'district'),
             u AS (SELECT id, geom FROM admin_units WHERE level <> 'district')
        SELECT ST_Area(ST_SymDifference((SELECT geom FROM d), (SELECT ST_Union(geom) FROM u))),
               (SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom))), 0)
                  FROM u a JOIN u b ON a.id < b.id AND a.geom && b.geom)""")).one()
    assert gap < 1e-9  # square degrees: well under 1e-6° on any side
    assert overlap < 1e-9
    assert db.execute(text("SELECT count(*) FROM admin_units WHERE level <> 'district'")).scalar() == 8


def test_function_zones_do_not_overlap(db):
    overlap = db.execute(text("""
        SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom))), 0)
          FROM function_zones a JOIN function_zones b ON a.id < b.id AND a.geom && b.geom""")).scalar()
    assert overlap < 1e-10


def test_located_features_lie_in_chengqu(db):
    for table in PLAN_MODELS:
        if table in ("admin_context", "admin_units"):
            continue
        outside = db.execute(text(f"""
            SELECT f.id FROM {table} f, admin_units d WHERE d.level = 'district' AND f.geom IS NOT NULL
               AND NOT ST_CoveredBy(f.geom, ST_Buffer(d.geom, 1e-7))""")).scalars().all()
        assert outside == [], table


def test_indicators_and_subrows_loaded(db):
    codes = db.execute(text("SELECT code FROM indicators ORDER BY sort_order")).scalars().all()
    top = [c for c in codes if "." not in c]
    assert len(top) == 35
    assert {"15.1", "15.5"} <= set(codes)


def test_progress_starts_unknown(db):
    for table in ("projects", "urban_village_sites", "ecology_sites", "green_corridors"):
        statuses = db.execute(text(f"SELECT DISTINCT status FROM {table}")).scalars().all()
        assert statuses == ["unknown"], table
