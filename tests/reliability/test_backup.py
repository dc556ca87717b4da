"""backup → restore round-trips counts, geometries and history exactly."""
import subprocess
import sys

from sqlalchemy import create_engine, text

from gis_service.settings import PROJECT_ROOT

FINGERPRINT = """
    SELECT (SELECT count(*) FROM projects), (SELECT md5(string_agg(id || ST_AsEWKB(geom)::text, ',' ORDER BY id))
              FROM admin_units),
           (SELECT md5(string_agg(id || coalesce(ST_AsEWKB(geom)::text, ''), ',' ORDER BY id)) FROM projects),
           (SELECT count(*) FROM progress_events WHERE action <> 'load'),
           (SELECT string_agg(status, ',' ORDER BY id) FROM projects),
           (SELECT string_agg(collection_id || data_version, ',' ORDER BY collection_id) FROM layer_meta)
"""


def cli(url, *args):
    return subprocess.run([sys.executable, "-m", "gis_service.cli", *args], cwd=PROJECT_ROOT,
                          env={"GIS_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}, capture_output=True,
                          text=True, timeout=120)


def test_backup_restore_round_trip(pg, loaded_db, migrated_db, tmp_path):
    engine = create_engine(loaded_db)
    with engine.begin() as conn:
        conn.execute(text("UPDATE projects SET status = 'ongoing', version = version + 1 WHERE id = "
                          "(SELECT min(id) FROM projects)"))
        conn.execute(text("INSERT INTO progress_events (collection_id, feature_id, actor, action) "
                          "VALUES ('projects', 'x', 'tester', 'update')"))
    with engine.connect() as conn:
        before = tuple(conn.execute(text(FINGERPRINT)).one())
    engine.dispose()
    dump = tmp_path / "gis.dump"
    made = cli(loaded_db, "backup", str(dump))
    assert made.returncode == 0, made.stderr
    restored = cli(migrated_db, "restore", str(dump))
    assert restored.returncode == 0, restored.stderr
    target = create_engine(migrated_db)
    with target.connect() as conn:
        after = tuple(conn.execute(text(FINGERPRINT)).one())
    target.dispose()
    assert after == before and before[3] == 1


def test_restore_of_a_missing_file_is_one_clear_line(migrated_db, tmp_path):
    result = cli(migrated_db, "restore", str(tmp_path / "nope.dump"))
    assert result.returncode == 1 and "Traceback" not in result.stderr and "nope.dump" in result.stderr
