"""Every writer announces its write through db.post_write, inside its own transaction.

A subscriber registered here records each event as a row in the same database; the row is
visible after the write commits and absent when the write fails, and a subscriber that raises
neither loses the write nor is forgotten (one queued row, cleared by ``drain``).
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from gis_service.auth.principal import Principal
from gis_service.db import post_write
from gis_service.loader.load import load_layers
from gis_service.services.progress.bulk import import_progress
from gis_service.services.progress.edits import Edit, apply_edit

from ..conftest import LAYERS_DIR
from .conftest import bearer

SEEN = "CREATE TABLE IF NOT EXISTS seen_events (collection_id text, feature_ids text[], action text, actor text)"


def _record(conn, event: post_write.WriteEvent) -> None:
    conn.execute(text("INSERT INTO seen_events VALUES (:c, :f, :a, :actor)"),
                 {"c": event.collection_id, "f": list(event.feature_ids), "a": event.action, "actor": event.actor})


@pytest.fixture
def recorder(db, monkeypatch):
    """Subscribe the recorder for this test only; returns a reader of the recorded events."""
    db(SEEN)
    monkeypatch.setattr(post_write, "_subscribers", {"recorder": _record})
    return lambda: [tuple(r) for r in db("SELECT collection_id, feature_ids, action, actor FROM seen_events")]


def _project(db) -> str:
    return db("SELECT id FROM projects WHERE NOT retired AND geom IS NOT NULL ORDER BY id LIMIT 1")[0][0]


def test_api_patch_and_delete_announce_the_feature(make_client, keys, db, recorder):
    client, fid = make_client(), _project(db)
    path = f"/collections/projects/items/{fid}"
    etag = client.get(path).headers["etag"]
    r = client.patch(path, json={"status": "ongoing"}, headers={**bearer(keys["editor"]), "If-Match": etag})
    assert r.status_code == 200, r.text
    assert recorder() == [("projects", [fid], "update", "editor-1")]
    stale = client.patch(path, json={"status": "completed"}, headers={**bearer(keys["editor"]), "If-Match": etag})
    assert stale.status_code == 412 and len(recorder()) == 1  # a refused write announces nothing
    r = client.delete(path, headers={**bearer(keys["editor"]), "If-Match": client.get(path).headers["etag"]})
    assert r.status_code in (200, 204), r.text
    assert recorder()[-1] == ("projects", [fid], "delete", "editor-1")


def test_event_rolls_back_with_a_failed_write(loaded_db, db, recorder):
    fid = _project(db)
    engine = create_engine(loaded_db)
    principal = Principal("tester", "editor", key_id=0, via="test")
    with pytest.raises(RuntimeError), engine.begin() as conn:
        apply_edit(conn, Edit("projects", fid, changes={"status": "ongoing"}), principal, require_if_match=False)
        assert conn.execute(text("SELECT count(*) FROM seen_events")).scalar() == 1  # same transaction
        raise RuntimeError("the writer fails after its rows are written")
    engine.dispose()
    assert recorder() == []
    assert db("SELECT status FROM projects WHERE id = :f", f=fid)[0][0] == "unknown"


def test_bulk_import_announces_once_per_collection(loaded_db, db, recorder):
    ids = [r[0] for r in db("SELECT id FROM projects WHERE NOT retired ORDER BY id LIMIT 2")]
    village = db("SELECT id FROM urban_village_sites WHERE NOT retired ORDER BY id LIMIT 1")[0][0]
    sheet = ("collection,id,status\n" + "".join(f"projects,{i},ongoing\n" for i in ids)
             + f"urban_village_sites,{village},survey\n").encode()
    engine = create_engine(loaded_db)
    principal = Principal("tester", "editor", key_id=0, via="test")
    import_progress(engine, sheet, "sheet.csv", principal, dry_run=True, skip_invalid=False)
    assert recorder() == []  # a preview writes nothing, so announces nothing
    import_progress(engine, sheet, "sheet.csv", principal, dry_run=False, skip_invalid=False)
    engine.dispose()
    assert sorted(recorder()) == [("projects", ids, "import", "tester"),
                                  ("urban_village_sites", [village], "import", "tester")]


def test_seed_load_announces_what_it_changed(loaded_db, db, recorder):
    fid = _project(db)
    db("UPDATE projects SET name = name || ' (edited behind the loader)' WHERE id = :f", f=fid)
    engine = create_engine(loaded_db)
    load_layers(engine, LAYERS_DIR)
    assert recorder() == [("projects", [fid], "load", None)]
    load_layers(engine, LAYERS_DIR)  # nothing changed: nothing announced
    engine.dispose()
    assert len(recorder()) == 1


def test_failing_subscriber_keeps_the_write_and_is_drained(loaded_db, make_client, keys, db, monkeypatch):
    def broken(conn, event):
        raise ValueError("register unavailable")

    monkeypatch.setattr(post_write, "_subscribers", {"register": broken})
    client, fid = make_client(), _project(db)
    path = f"/collections/projects/items/{fid}"
    r = client.patch(path, json={"status": "ongoing"},
                     headers={**bearer(keys["editor"]), "If-Match": client.get(path).headers["etag"]})
    assert r.status_code == 200, r.text
    assert db("SELECT status FROM projects WHERE id = :f", f=fid)[0][0] == "ongoing"
    queued = db("SELECT subscriber, event ->> 'collection_id', event -> 'feature_ids', error "
                "FROM post_write_queue WHERE done_at IS NULL")
    assert len(queued) == 1
    assert queued[0][:3] == ("register", "projects", [fid]) and "register unavailable" in queued[0][3]

    db(SEEN)
    post_write.subscribe("register", _record)  # the register is back
    engine = create_engine(loaded_db)
    with engine.begin() as conn:
        assert post_write.drain(conn) == 1
    engine.dispose()
    assert db("SELECT count(*) FROM post_write_queue WHERE done_at IS NULL")[0][0] == 0
    assert db("SELECT collection_id, feature_ids, action FROM seen_events") == [("projects", [fid], "update")]
