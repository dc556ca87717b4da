"""Monitoring fixtures: the progress fixtures (a writable loaded database, keys, clients)."""
from __future__ import annotations

from ..progress.conftest import bearer, db, keys, make_client  # noqa: F401  (fixtures)


def first_ids(db, table: str, n: int = 1) -> list[str]:  # noqa: F811
    return [r[0] for r in db(f"SELECT id FROM {table} WHERE NOT retired ORDER BY id LIMIT {n}")]


def etag(client, path: str) -> str:
    return client.get(path).headers["etag"]
