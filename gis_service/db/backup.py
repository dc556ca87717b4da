"""Backups with PostgreSQL's own tools: pg_dump custom format, pg_restore.

Everything the service holds (layers, progress, history, keys, reports) lives
in one database, so one dump is a complete, consistent backup.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from gis_service.db.embedded import PG_BIN
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


def backup(url: str, path: Path) -> None:
    args, env = _libpq(url)
    _run([str(PG_BIN / "pg_dump"), "--format=custom", "--no-owner", "--file", str(path), *args], env, "备份 backup")


def restore(url: str, path: Path) -> None:
    """Restore into the database at ``url``, replacing what is there, in one transaction."""
    if not Path(path).is_file():
        raise BackupError(f"找不到备份文件 {path}", f"backup file not found: {path}", status=404)
    args, env = _libpq(url)
    _run([str(PG_BIN / "pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--exit-on-error", *args, str(path)], env, "恢复 restore")
