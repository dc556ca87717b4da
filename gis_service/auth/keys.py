"""API keys: random, shown once, stored only as a SHA-256 hash.

A key has 256 random bits, so a fast hash is enough: nothing can be guessed
from the hash, and lookups stay a single index probe per request.
"""
from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import Connection, text

from gis_service.auth.principal import Principal
from gis_service.db.models_progress import ROLES
from gis_service.errors import InvalidInput, NotFound
from gis_service.queries import auth as sql

KEY_PREFIX = "gk_"
PREFIX_LENGTH = 10  # shown in listings so people can tell keys apart
_NAME = re.compile(r"^[\w.@-]{1,64}$")


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(conn: Connection, name: str, role: str, created_by: str | None = None) -> tuple[str, dict]:
    """Return the new key (only now, never again) and its stored row."""
    if role not in ROLES:
        raise InvalidInput(f"角色应为 {ROLES} 之一", f"role must be one of {ROLES}", detail={"field": "role"})
    if not _NAME.match(name):
        raise InvalidInput("名称只能含字母、数字、下划线、点、@ 和 -，最长 64",
                           "name: letters, digits, _ . @ - only, at most 64", detail={"field": "name"})
    exists = conn.execute(text("SELECT 1 FROM api_keys WHERE name = :n"), {"n": name}).first()
    if exists:
        raise InvalidInput(f"已有名为 {name} 的密钥", f"a key named {name!r} exists", detail={"field": "name"})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = conn.execute(text(sql.INSERT_KEY), {
        "name": name, "role": role, "key_hash": hash_secret(key), "key_prefix": key[:PREFIX_LENGTH],
        "created_by": created_by}).mappings().one()
    return key, dict(row)


def list_keys(conn: Connection) -> list[dict]:
    return [dict(r) for r in conn.execute(text(sql.LIST_KEYS)).mappings()]


def revoke_key(conn: Connection, ref: str) -> list[dict]:
    """Revoke by name or by the shown prefix; signs out its browser sessions too."""
    rows = [dict(r) for r in conn.execute(text(sql.REVOKE_KEY), {"ref": ref}).mappings()]
    if not rows:
        raise NotFound(f"没有有效的密钥 {ref!r}", f"no active key named or prefixed {ref!r}",
                       detail={"key": ref})
    conn.execute(text(sql.DELETE_KEY_SESSIONS), {"ids": [r["id"] for r in rows]})
    return rows


def set_unconditional_writes(conn: Connection, ref: str, flag: bool) -> list[dict]:
    """Let a key (by name or prefix) write without If-Match; each such write is marked in the history."""
    rows = [dict(r) for r in conn.execute(text(sql.SET_UNCONDITIONAL), {"ref": ref, "flag": bool(flag)}).mappings()]
    if not rows:
        raise NotFound(f"没有有效的密钥 {ref!r}", f"no active key named or prefixed {ref!r}", detail={"key": ref})
    return rows


def principal_for_key(conn: Connection, key: str, via: str) -> Principal | None:
    row = conn.execute(text(sql.KEY_BY_HASH), {"key_hash": hash_secret(key)}).first()
    return None if row is None else Principal(row.name, row.role, row.id, via,
                                              unconditional_writes=row.unconditional_writes)


def create_session(conn: Connection, principal: Principal, max_age_s: int) -> tuple[str, str]:
    """A new browser session for a key: (cookie token, CSRF token). Only the token's hash is stored."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    conn.execute(text(sql.INSERT_SESSION), {"token_hash": hash_secret(token), "key_id": principal.key_id,
                                            "csrf_token": csrf, "max_age": max_age_s})
    return token, csrf


def principal_for_session(conn: Connection, token: str) -> Principal | None:
    row = conn.execute(text(sql.SESSION_BY_HASH), {"token_hash": hash_secret(token)}).first()
    return None if row is None else Principal(row.name, row.role, row.id, "session", row.csrf_token)


def end_session(conn: Connection, token: str) -> None:
    conn.execute(text(sql.DELETE_SESSION), {"token_hash": hash_secret(token)})
