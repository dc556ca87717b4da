"""SQL for API keys, browser sessions and the audit log."""
from __future__ import annotations

INSERT_KEY = """
    INSERT INTO api_keys (name, role, key_hash, key_prefix, created_by)
    VALUES (:name, :role, :key_hash, :key_prefix, :created_by)
    RETURNING id, name, role, key_prefix, created_at"""

LIST_KEYS = """
    SELECT id, name, role, key_prefix, created_at, created_by, revoked_at, unconditional_writes
      FROM api_keys ORDER BY id"""

SET_UNCONDITIONAL = """
    UPDATE api_keys SET unconditional_writes = :flag
     WHERE (name = :ref OR key_prefix = :ref) AND revoked_at IS NULL
    RETURNING id, name, role, unconditional_writes"""

REVOKE_KEY = """
    UPDATE api_keys SET revoked_at = now()
     WHERE (name = :ref OR key_prefix = :ref) AND revoked_at IS NULL
    RETURNING id, name, role"""

DELETE_KEY_SESSIONS = "DELETE FROM web_sessions WHERE key_id = ANY(:ids)"

KEY_BY_HASH = """
    SELECT id, name, role, unconditional_writes FROM api_keys
     WHERE key_hash = :key_hash AND revoked_at IS NULL"""

INSERT_SESSION = """
    INSERT INTO web_sessions (token_hash, key_id, csrf_token, expires_at)
    VALUES (:token_hash, :key_id, :csrf_token, now() + make_interval(secs => :max_age))"""

SESSION_BY_HASH = """
    SELECT k.id, k.name, k.role, s.csrf_token
      FROM web_sessions s JOIN api_keys k ON k.id = s.key_id
     WHERE s.token_hash = :token_hash AND s.expires_at > now() AND k.revoked_at IS NULL"""

DELETE_SESSION = "DELETE FROM web_sessions WHERE token_hash = :token_hash OR expires_at < now()"

INSERT_AUDIT = """
    INSERT INTO audit_log (actor, role, method, path, status, action, collection_id, feature_id, detail)
    VALUES (:actor, :role, :method, :path, :status, :action, :collection_id, :feature_id,
            CAST(:detail AS jsonb))"""

LIST_AUDIT = """
    SELECT id, recorded_at, actor, role, method, path, status, action, collection_id, feature_id, detail
      FROM audit_log
     WHERE (CAST(:actor AS text) IS NULL OR actor = :actor)
       AND (CAST(:since AS timestamptz) IS NULL OR recorded_at >= :since)
       AND (CAST(:before_id AS bigint) IS NULL OR id < :before_id)
     ORDER BY id DESC LIMIT :limit"""
