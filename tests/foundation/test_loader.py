"""Loader: all-or-nothing, idempotent, never touches progress, retires, bumps data_version."""
import json

import pytest
from sqlalchemy import text

from gis_service.loader.load import load_layers
from gis_service.loader.validate import LayerValidationError

from .layer_fixtures import default_layers, feature, square, write_layers


def snapshot(engine) -> dict:
    with engine.connect() as conn:
        return {
            "projects": conn.execute(text(
                "SELECT id, name, retired, status, version, ST_AsText(geom) FROM projects ORDER BY id")).all(),
            "villages": conn.execute(text(
                "SELECT id, name, retired, ST_AsText(geom) FROM urban_village_sites ORDER BY id")).all(),
            "meta": conn.execute(text(
                "SELECT collection_id, data_version, feature_count FROM layer_meta ORDER BY 1")).all(),
            "events": conn.execute(text("SELECT count(*) FROM progress_events WHERE action <> 'load'")).scalar(),
        }


def test_load_then_reload_is_idempotent(migrated_db, engine_for, tmp_path):
    engine = engine_for(migrated_db)
    layers = default_layers(tmp_path / "layers")
    report = load_layers(engine, layers)
    assert report.inserted == {"projects": 2, "urban_village_sites": 1}
    first = snapshot(engine)
    assert [(r.collection_id, r.feature_count) for r in first["meta"]] == [
        ("projects", 2), ("urban_village_sites", 1)]
    again = load_layers(engine, layers)
    assert not again.changed
    assert snapshot(engine) == first  # data_version included: nothing bumped


def test_null_geometry_kept_for_unlocated(migrated_db, engine_for, tmp_path):
    engine = engine_for(migrated_db)
    load_layers(engine, default_layers(tmp_path / "layers"))
    with engine.connect() as conn:
        row = conn.execute(text("SELECT geom IS NULL, location_basis FROM projects WHERE id='p2'")).one()
    assert tuple(row) == (True, "unlocated")


@pytest.mark.parametrize("bad_feature, reason", [
    (feature("bad", "自相交", {"type": "MultiPolygon", "coordinates": [[[[112.8, 35.5], [112.81, 35.51],
                                                                     [112.81, 35.5], [112.8, 35.51],
                                                                     [112.8, 35.5]]]]}), "invalid geometry"),
    (feature("bad", "类型错误", {"type": "Point", "coordinates": [112.8, 35.5]}), "geometry type Point"),
    (feature("bad", "缺字段", square(112.8, 35.5), source=None), "missing required fields"),
    (feature("v1", "重复", square(112.8, 35.5)), "duplicate id"),
])
def test_corrupt_file_changes_nothing(migrated_db, engine_for, tmp_path, bad_feature, reason):
    engine = engine_for(migrated_db)
    load_layers(engine, default_layers(tmp_path / "good"))
    before = snapshot(engine)
    # projects.geojson changes validly, the villages file is corrupt: nothing may land.
    projects = [feature("p1", "晋城国际物流园（改）", {"type": "Point", "coordinates": [112.86, 35.50]})]
    villages = [feature("v1", "北石店村", square(112.89, 35.54)), bad_feature]
    bad_dir = write_layers(tmp_path / "bad", projects, villages)
    with pytest.raises(LayerValidationError) as info:
        load_layers(engine, bad_dir)
    message = str(info.value)
    assert "urban_village_sites.geojson" in message
    assert f"feature {bad_feature['id']}" in message
    assert reason in message
    assert snapshot(engine) == before


def test_missing_crs_is_refused(migrated_db, engine_for, tmp_path):
    engine = engine_for(migrated_db)
    layers = default_layers(tmp_path / "layers")
    doc = json.loads((layers / "projects.geojson").read_text("utf-8"))
    del doc["crs"]
    (layers / "projects.geojson").write_text(json.dumps(doc), "utf-8")
    with pytest.raises(LayerValidationError, match="no CRS declared"):
        load_layers(engine, layers)


def test_reload_never_touches_progress_or_history(migrated_db, engine_for, tmp_path):
    engine = engine_for(migrated_db)
    load_layers(engine, default_layers(tmp_path / "a"))
    with engine.begin() as conn:
        conn.execute(text("UPDATE projects SET status='ongoing', percent_complete=40, version=version+1 "
                          "WHERE id='p1'"))
        conn.execute(text("INSERT INTO progress_events (collection_id, feature_id, actor, action) "
                          "VALUES ('projects', 'p1', 'tester', 'update')"))
    moved = [feature("p1", "晋城国际物流园", {"type": "Point", "coordinates": [112.86, 35.51]},
                     note="moved by survey"),
             feature("p2", "疾病防控能力建设", None)]
    report = load_layers(engine, write_layers(tmp_path / "b", moved, [feature("v1", "北石店村", square(112.89, 35.54))]))
    assert report.updated["projects"] == 1
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, percent_complete, version, ST_X(geom), note "
                                "FROM projects WHERE id='p1'")).one()
        events = conn.execute(text("SELECT count(*) FROM progress_events WHERE action <> 'load'")).scalar()
    assert (row.status, float(row.percent_complete), row.version) == ("ongoing", 40.0, 2)
    assert row[3] == pytest.approx(112.86) and row.note == "moved by survey"
    assert events == 1


def test_removed_feature_is_retired_not_deleted(migrated_db, engine_for, tmp_path):
    engine = engine_for(migrated_db)
    load_layers(engine, default_layers(tmp_path / "a"))
    only_p1 = [feature("p1", "晋城国际物流园", {"type": "Point", "coordinates": [112.85, 35.50]})]
    report = load_layers(engine, write_layers(tmp_path / "b", only_p1, [feature("v1", "北石店村", square(112.89, 35.54))]))
    assert report.retired["projects"] == 1
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, retired FROM projects ORDER BY id")).all()
        count = conn.execute(text("SELECT feature_count FROM layer_meta WHERE collection_id='projects'")).scalar()
    assert [tuple(r) for r in rows] == [("p1", False), ("p2", True)]
    assert count == 1
    # It comes back when it reappears.
    load_layers(engine, default_layers(tmp_path / "c"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT retired FROM projects WHERE id='p2'")).scalar() is False


def test_data_version_bumps_on_every_write(migrated_db, engine_for, tmp_path):
    engine = engine_for(migrated_db)
    load_layers(engine, default_layers(tmp_path / "a"))

    def version() -> int:
        with engine.connect() as conn:
            return conn.execute(text("SELECT data_version FROM layer_meta WHERE collection_id='projects'")).scalar()

    v0 = version()
    statements = [
        "UPDATE projects SET status='planned' WHERE id='p1'",
        "INSERT INTO projects (id, name, geometry_quality, location_basis) VALUES ('p9', 'x', 'schematic', 'unlocated')",
        "DELETE FROM projects WHERE id='p9'",
    ]
    for i, sql in enumerate(statements, start=1):
        with engine.begin() as conn:
            conn.execute(text(sql))
        assert version() == v0 + i, sql
    with engine.begin() as conn:  # a write that matches no row is not a change
        conn.execute(text("UPDATE projects SET status='planned' WHERE id='nope'"))
    assert version() == v0 + len(statements)


def test_reload_keeps_editor_geometry_and_deletions(migrated_db, engine_for, tmp_path):
    engine = engine_for(migrated_db)
    layers = default_layers(tmp_path / "a")
    load_layers(engine, layers)
    with engine.begin() as conn:  # what an editor's PATCH (surveyed footprint) and DELETE leave behind
        conn.execute(text("UPDATE urban_village_sites SET geom = ST_Multi(ST_Buffer(geom, 0.001)), "
                          "geometry_quality = 'official', location_basis = 'surveyed' WHERE id = 'v1'"))
        conn.execute(text("INSERT INTO progress_events (collection_id, feature_id, actor, action, new_values) "
                          "VALUES ('urban_village_sites', 'v1', 'ed', 'update', '{\"geometry\": \"...\"}')"))
        conn.execute(text("UPDATE projects SET retired = true WHERE id = 'p1'"))
        conn.execute(text("INSERT INTO progress_events (collection_id, feature_id, actor, action) "
                          "VALUES ('projects', 'p1', 'ed', 'delete')"))
    before = snapshot(engine)
    report = load_layers(engine, layers)
    assert not report.changed
    assert snapshot(engine) == before
    with engine.connect() as conn:
        basis = conn.execute(text("SELECT location_basis FROM urban_village_sites WHERE id = 'v1'")).scalar()
        retired = conn.execute(text("SELECT retired FROM projects WHERE id = 'p1'")).scalar()
    assert (basis, retired) == ("surveyed", True)
