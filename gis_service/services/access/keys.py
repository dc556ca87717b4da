"""Key administration and sign-in, each one committed write (the same keys as `gis-service keys`)."""
from __future__ import annotations

from sqlalchemy import Connection

from gis_service.auth.keys import create_key, create_session, end_session, principal_for_key, revoke_key, set_unconditional_writes
from gis_service.auth.principal import Principal
from gis_service.auth import audit


def create_key_audited(conn: Connection, admin: Principal, body: dict, *, path: str) -> dict:
    """The new key (in this answer only; only its hash is stored) and its row, audited."""
    key, row = create_key(conn, str(body.get("name", "")), str(body.get("role", "viewer")), created_by=admin.name)
    audit.record(conn, admin, method="POST", path=path, status=201, action="key_create",
                 detail={"name": row["name"], "role": row["role"], "prefix": row["key_prefix"]})
    conn.commit()
    return {**row, "key": key}


def revoke_key_audited(conn: Connection, admin: Principal, ref: str, *, path: str) -> dict:
    rows = revoke_key(conn, ref)
    audit.record(conn, admin, method="DELETE", path=path, status=200, action="key_revoke",
                 detail={"revoked": [r["name"] for r in rows]})
    conn.commit()
    return {"revoked": rows}


def set_unconditional_audited(conn: Connection, admin: Principal, ref: str, flag: bool, *, path: str) -> dict:
    """For desktop clients (QGIS) that send no If-Match; every such write is marked unconditional."""
    rows = set_unconditional_writes(conn, ref, flag)
    audit.record(conn, admin, method="PATCH", path=path, status=200, action="key_unconditional",
                 detail={"keys": [r["name"] for r in rows], "unconditional_writes": flag})
    conn.commit()
    return {"keys": rows}


def sign_in(conn: Connection, key: str, max_age_s: int) -> str | None:
    """A browser-session token for a valid key, or None."""
    principal = principal_for_key(conn, key.strip(), "session")
    if principal is None:
        return None
    token, _ = create_session(conn, principal, max_age_s)
    conn.commit()
    return token


def sign_out(conn: Connection, token: str) -> None:
    end_session(conn, token)
    conn.commit()
