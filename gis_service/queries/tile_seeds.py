"""Seeded tiles in PostgreSQL, keyed by the collection's data_version (so never stale)."""
from __future__ import annotations

from sqlalchemy import Connection, text


def seeded_tile(conn: Connection, collection_id: str, version: int, z: int, x: int, y: int) -> bytes | None:
    body = conn.execute(text("SELECT body FROM tile_seeds WHERE collection_id = :c AND data_version = :v "
                             "AND z = :z AND x = :x AND y = :y"),
                        {"c": collection_id, "v": version, "z": z, "x": x, "y": y}).scalar()
    return None if body is None else bytes(body)


def seeded_versions(conn: Connection, collection_id: str) -> list[int]:
    return list(conn.execute(text("SELECT DISTINCT data_version FROM tile_seeds WHERE collection_id = :c"),
                             {"c": collection_id}).scalars())


def drop_other_versions(conn: Connection, collection_id: str, keep: int | None) -> None:
    conn.execute(text("DELETE FROM tile_seeds WHERE collection_id = :c AND data_version IS DISTINCT FROM :v"),
                 {"c": collection_id, "v": keep})


def store(conn: Connection, collection_id: str, version: int, z: int, x: int, y: int, body: bytes) -> None:
    conn.execute(text("""INSERT INTO tile_seeds (collection_id, data_version, z, x, y, body)
                         VALUES (:c, :v, :z, :x, :y, :b) ON CONFLICT DO NOTHING"""),
                 {"c": collection_id, "v": version, "z": z, "x": x, "y": y, "b": body})


def try_lock(conn: Connection, collection_id: str) -> bool:
    """One seeder per collection across processes (released at the end of the transaction)."""
    return bool(conn.execute(text("SELECT pg_try_advisory_xact_lock(hashtext('tile-seed:' || :c))"),
                             {"c": collection_id}).scalar())
