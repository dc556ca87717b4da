"""Keys: CLI lifecycle, only a hash stored, never logged; admin-only audit log and key API."""
from __future__ import annotations

import httpx
from typer.testing import CliRunner

from gis_service.cli import app

from ..live import live_server
from .conftest import bearer


def _cli(url, *args):
    """The real Typer app, in-process (a subprocess per call would cost seconds each)."""
    result = CliRunner().invoke(app, ["keys", *args], env={"GIS_DATABASE_URL": url, "USER": "tester"})
    result.returncode = result.exit_code
    return result


def test_cli_keys_lifecycle_and_hash_only(loaded_db, db, tmp_path):
    made = _cli(loaded_db, "create", "zhang.san", "--role", "editor")
    assert made.returncode == 0, made.output
    key = made.stdout.strip()
    assert key.startswith("gk_") and len(key) > 40
    # Nothing in the database can give the key back: not the key, not its secret part.
    dump = db("SELECT string_agg(t::text, ' ') FROM (SELECT * FROM api_keys) t")[0][0]
    assert key not in dump and key[12:] not in dump
    assert db("SELECT key_hash FROM api_keys WHERE name = 'zhang.san'")[0][0] != key
    listed = _cli(loaded_db, "list")
    assert "zhang.san" in listed.stdout and key[:10] in listed.stdout and key not in listed.stdout

    log = tmp_path / "server.log"
    with live_server(loaded_db, log_path=log) as base:
        fid = db("SELECT id FROM projects ORDER BY id LIMIT 1")[0][0]
        url = f"{base}/collections/projects/items/{fid}"
        etag = httpx.get(url).headers["etag"]
        r = httpx.patch(url, json={"status": "planned"}, headers={**bearer(key), "If-Match": etag})
        assert r.status_code == 200, r.text
        assert httpx.get(url, auth=("x", key)).status_code == 200
        assert httpx.get(f"{url}?api_key={key}").status_code == 400
        revoked = _cli(loaded_db, "revoke", "zhang.san")
        assert revoked.returncode == 0
        assert httpx.get(url, headers=bearer(key)).status_code == 401
    text = log.read_text()
    assert "PATCH" in text  # the access log is there…
    assert key[3:] not in text  # …and holds no key, not even the one wrongly put in a URL
    assert _cli(loaded_db, "create", "x", "--role", "root").returncode == 1


def test_audit_and_keys_api_are_admin_only(make_client, keys, db):
    client = make_client()
    assert client.get("/audit").status_code == 401
    assert client.get("/audit", headers=bearer(keys["editor"])).status_code == 403
    fid = db("SELECT id FROM projects ORDER BY id LIMIT 1")[0][0]
    path = f"/collections/projects/items/{fid}"
    etag = client.get(path).headers["etag"]
    client.patch(path, json={"status": "planned"}, headers={**bearer(keys["editor"]), "If-Match": etag})
    client.patch(path, json={"status": "planned"}, headers={**bearer(keys["editor"]), "If-Match": etag})
    entries = client.get("/audit", headers=bearer(keys["admin"])).json()["entries"]
    assert [(e["action"], e["status"], e["actor"]) for e in entries[:2]] == [
        ("refused", 412, "editor-1"), ("update", 200, "editor-1")]
    created = client.post("/keys", json={"name": "gis-desk", "role": "viewer"}, headers=bearer(keys["admin"]))
    assert created.status_code == 201 and created.json()["key"].startswith("gk_")
    assert client.post("/keys", json={"name": "x", "role": "admin"}, headers=bearer(keys["editor"])).status_code == 403
    assert client.get("/collections", headers=bearer(created.json()["key"])).status_code == 200
    assert client.delete("/keys/gis-desk", headers=bearer(keys["admin"])).status_code == 200
    assert client.get("/collections", headers=bearer(created.json()["key"])).status_code == 401
    # The log is append-only, even for the database owner.
    import pytest
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError):
        db("DELETE FROM audit_log")


def test_reads_can_require_a_viewer_key(make_client, keys):
    client = make_client(public_reads=False)
    assert client.get("/collections").status_code == 401
    assert "Basic" in client.get("/collections").headers["www-authenticate"]
    assert client.get("/collections", headers=bearer(keys["viewer"])).status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/progress/login").status_code == 200
