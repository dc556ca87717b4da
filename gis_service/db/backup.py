"""Backups with PostgreSQL's own tools: pg_dump custom format, pg_restore.

Everything the service holds (layers, progress, history, keys, reports) lives
in one database, so one dump is a complete, consistent backup.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

from gis_service.db.embedded import PG_BIN
from gis_service.db.models_chain import read_heads
from gis_service.errors import GisError


class BackupError(GisError):
    status = 500
    code = "backup_failed"


def _libpq(url: str) -> tuple[list[str], dict]:
    u = make_url(url)
    args = ["-h", u.host or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres",
            "-d", u.database or "postgres"]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "5"}
    if u.password:
        env["PGPASSWORD"] = u.password  # not on the command line, where `ps` would show it
    return args, env


def _run(cmd: list[str], env: dict, what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        raise BackupError(f"{what}失败", f"{what} failed: {tail}", detail={"command": cmd[0]})


def backup(url: str, path: Path) -> dict:
    """Dump the database; return the audit chains' heads of the very snapshot dumped, which are
    also written beside the dump (``<path>.chain.json``) to be kept apart from it."""
    args, env = _libpq(url)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            heads = _heads(conn)
            _run([str(PG_BIN / "pg_dump"), "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                  "--file", str(path), *args], env, "备份 backup")
    finally:
        engine.dispose()
    Path(f"{path}.chain.json").write_text(json.dumps({"backup": Path(path).name, "heads": heads}, indent=1))
    return heads


def _heads(conn) -> dict:
    try:
        with conn.begin_nested():
            return read_heads(conn)
    except ProgrammingError:  # a database from before the chain
        return {}


def restore(url: str, path: Path) -> None:
    """Restore into the database at ``url``, replacing what is there, in one transaction."""
    if not Path(path).is_file():
        raise BackupError(f"找不到备份文件 {path}", f"backup file not found: {path}", status=404)
    args, env = _libpq(url)
    _run([str(PG_BIN / "pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--exit-on-error", *args, str(path)], env, "恢复 restore")
