"""The hash-chained trail: concurrent writers keep one chain, a superuser's quiet edit is found,
the export carries the hashes, a backup carries the head."""
from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor

from typer.testing import CliRunner

from gis_service.cli import app

from .conftest import bearer

PROJECTS = "/collections/projects/items"


def _verify(url):
    result = CliRunner().invoke(app, ["audit", "verify"], env={"GIS_DATABASE_URL": url})
    return result.exit_code, result.output


def _edit(client, key, fid, status):
    path = f"{PROJECTS}/{fid}"
    etag = client.get(path, headers={**bearer(key), "If-None-Match": "x"}).headers["etag"]
    return client.patch(path, json={"status": status}, headers={**bearer(key), "If-Match": etag})


def _fids(db, n):
    return [r[0] for r in db("SELECT id FROM projects ORDER BY id LIMIT :n", n=n)]


def test_concurrent_writers_make_one_unbroken_chain(make_client, keys, db, loaded_db):
    client = make_client(pool_size=10, pool_max_overflow=10, pool_timeout_s=30)
    fids = _fids(db, 12)
    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(pool.map(lambda f: _edit(client, keys["editor"], f, "planned").status_code, fids))
    assert codes == [200] * 12
    for chain in ("audit_log", "progress_events"):
        rows = db(f"SELECT chain_seq, prev_hash, row_hash FROM {chain} ORDER BY chain_seq")
        assert [r[0] for r in rows] == list(range(1, len(rows) + 1)) and len(rows) >= 12
        assert rows[0][1] == "0" * 64
        assert all(b[1] == a[2] for a, b in zip(rows, rows[1:]))  # each links to the one before
        head = db("SELECT seq, head_hash FROM audit_chain_heads WHERE chain = :c", c=chain)[0]
        assert tuple(head) == (rows[-1][0], rows[-1][2])
    code, out = _verify(loaded_db)
    assert code == 0, out
    assert "audit_log:" in out and "progress_events:" in out


def test_row_hash_is_sha256_of_seq_prev_and_content(make_client, keys, db):
    """Recomputed here from the export alone, and the hashed content matches the stored row."""
    client = make_client()
    fid = _fids(db, 1)[0]
    assert _edit(client, keys["editor"], fid, "planned").status_code == 200
    export = client.get("/audit/export?chain=progress_events", headers=bearer(keys["admin"])).json()
    prev = export["genesis_hash"]
    for row in export["rows"]:
        assert row["prev_hash"] == prev
        prev = hashlib.sha256(f"{row['chain_seq']}|{row['prev_hash']}|{row['content']}".encode()).hexdigest()
        assert row["row_hash"] == prev
    assert export["heads"]["progress_events"]["head_hash"] == prev
    content = json.loads(export["rows"][-1]["content"])
    actor, new_values = db("SELECT actor, new_values FROM progress_events WHERE id = :i", i=content["id"])[0]
    assert (content["feature_id"], content["actor"], content["new_values"]) == (fid, actor, new_values)
    assert content["new_values"]["status"] == "planned"


def test_superuser_edit_of_one_row_is_found(make_client, keys, db, loaded_db):
    client = make_client()
    for fid in _fids(db, 4):
        assert _edit(client, keys["editor"], fid, "planned").status_code == 200
    assert _verify(loaded_db)[0] == 0
    victim = db("SELECT id, chain_seq FROM progress_events ORDER BY chain_seq OFFSET 1 LIMIT 1")[0]
    db("ALTER TABLE progress_events DISABLE TRIGGER progress_events_append_only")
    db("UPDATE progress_events SET actor = 'someone-else' WHERE id = :i", i=victim[0])
    db("ALTER TABLE progress_events ENABLE TRIGGER progress_events_append_only")
    code, out = _verify(loaded_db)
    assert code == 1
    assert f"progress_events chain_seq {victim[1]} (id {victim[0]})" in out and "altered" in out
    assert len(out.strip().splitlines()) == 1


def test_deleted_rows_are_found(make_client, keys, db, loaded_db):
    client = make_client()
    for fid in _fids(db, 3):
        assert _edit(client, keys["editor"], fid, "planned").status_code == 200
    db("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    db("DELETE FROM audit_log WHERE chain_seq = (SELECT max(chain_seq) FROM audit_log)")
    code, out = _verify(loaded_db)
    assert code == 1 and "audit_log" in out and "head" in out
    db("DELETE FROM audit_log WHERE chain_seq = 1")
    db("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    code, out = _verify(loaded_db)
    assert code == 1 and "audit_log chain_seq 1" in out and "missing" in out


def test_export_is_admin_only_and_pages(make_client, keys, db):
    client = make_client()
    for fid in _fids(db, 3):
        assert _edit(client, keys["editor"], fid, "planned").status_code == 200
    assert client.get("/audit/export").status_code == 401
    assert client.get("/audit/export", headers=bearer(keys["editor"])).status_code == 403
    assert client.get("/audit/export?chain=api_keys", headers=bearer(keys["admin"])).status_code in (400, 422)
    first = client.get("/audit/export?limit=2", headers=bearer(keys["admin"])).json()
    assert [r["chain_seq"] for r in first["rows"]] == [1, 2]
    rest = client.get(first["next"].split("testserver")[-1], headers=bearer(keys["admin"])).json()
    assert rest["rows"][0]["prev_hash"] == first["rows"][-1]["row_hash"]
    total = db("SELECT count(*) FROM audit_log")[0][0]
    assert rest["heads"]["audit_log"]["seq"] == total


def test_backup_carries_the_head_hash(make_client, keys, db, loaded_db, tmp_path):
    client = make_client()
    assert _edit(client, keys["editor"], _fids(db, 1)[0], "planned").status_code == 200
    dump = tmp_path / "gis.dump"
    result = CliRunner().invoke(app, ["backup", str(dump)], env={"GIS_DATABASE_URL": loaded_db})
    assert result.exit_code == 0, result.output
    head = db("SELECT head_hash FROM audit_chain_heads WHERE chain = 'audit_log'")[0][0]
    assert head in result.output
    sidecar = json.loads((tmp_path / "gis.dump.chain.json").read_text())
    assert sidecar["heads"]["audit_log"]["head_hash"] == head


def test_migration_chains_rows_written_before_it(migrated_db, engine_for):
    from sqlalchemy import text

    from gis_service.db.migrate import downgrade, upgrade

    downgrade(migrated_db, "0013_audit_chain-1")
    engine = engine_for(migrated_db)
    with engine.begin() as conn:
        for i in range(3):
            conn.execute(text("INSERT INTO audit_log (actor, role, method, path, status, action) "
                              "VALUES ('old', 'editor', 'PATCH', '/x', 200, :a)"), {"a": f"update{i}"})
    upgrade(migrated_db)
    assert _verify(migrated_db)[0] == 0
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (actor, role, method, path, status, action) "
                          "VALUES ('new', 'editor', 'PATCH', '/x', 200, 'update')"))
        seqs = conn.execute(text("SELECT actor, chain_seq FROM audit_log ORDER BY id")).all()
    assert seqs == [("old", 1), ("old", 2), ("old", 3), ("new", 4)]
    code, out = _verify(migrated_db)
    assert code == 0 and "audit_log: 4 rows intact" in out
