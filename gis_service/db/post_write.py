"""The one after-write hook: every writer announces what it changed, derived registers re-evaluate.

Writers (feature edits, stage edits, bulk imports, creates, seed loads) call ``after_write``
inside their own transaction, after their rows are written. Subscribers (the warning register,
the conflict register, ...) run in a savepoint of that transaction, so their results commit
with the write, atomically. A subscriber that fails rolls back its savepoint only: the write
still commits, and the event is queued in ``post_write_queue`` for ``drain`` to retry, so a
failed re-evaluation never loses the write and is never forgotten.

Subscribers register themselves with ``subscribe`` (see ``gis_service.services.subscribers``),
which sits above this floor; this module only knows the calling convention.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError, OperationalError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriteEvent:
    collection_id: str
    feature_ids: tuple[str, ...] = ()   # empty: the whole collection may have changed (a load)
    action: str = "update"              # update | create | delete | load | import | stage
    actor: str | None = None


Subscriber = Callable[[Connection, WriteEvent], None]
_subscribers: dict[str, Subscriber] = {}

_QUEUE = """INSERT INTO post_write_queue (subscriber, event, error)
            VALUES (:subscriber, CAST(:event AS jsonb), :error)"""
_PENDING = """SELECT id, subscriber, event FROM post_write_queue
              WHERE done_at IS NULL ORDER BY id FOR UPDATE SKIP LOCKED LIMIT :limit"""
_DONE = "UPDATE post_write_queue SET done_at = now() WHERE id = :id"


def subscribe(name: str, fn: Subscriber) -> None:
    """Register (or replace) a subscriber; re-registering the same name is a no-op in effect."""
    _subscribers[name] = fn


def subscribers() -> list[str]:
    return list(_subscribers)


def _run(conn: Connection, name: str, fn: Subscriber, event: WriteEvent) -> bool:
    try:
        with conn.begin_nested():
            fn(conn, event)
        return True
    except DBAPIError as exc:
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            raise  # the database went away: the write itself fails (503), nothing to queue
        return _queue(conn, name, event, exc)
    except Exception as exc:  # noqa: BLE001 - any other failure is queued, never raised into the write
        return _queue(conn, name, event, exc)


def _queue(conn: Connection, name: str, event: WriteEvent, exc: Exception) -> bool:
    log.error("post-write subscriber %s failed for %s: %s", name, event, exc, exc_info=exc)
    conn.execute(text(_QUEUE), {"subscriber": name, "event": json.dumps(asdict(event)),
                                "error": f"{type(exc).__name__}: {exc}"[:2000]})
    return False


def after_write(conn: Connection, event: WriteEvent) -> None:
    """Run every subscriber for ``event`` inside the caller's transaction."""
    for name, fn in list(_subscribers.items()):
        _run(conn, name, fn, event)


def drain(conn: Connection, limit: int = 100) -> int:
    """Retry queued events whose subscriber failed; returns how many now succeeded."""
    done = 0
    for row in conn.execute(text(_PENDING), {"limit": limit}).mappings().all():
        fn = _subscribers.get(row["subscriber"])
        if fn is None:
            continue
        event = WriteEvent(**{**row["event"], "feature_ids": tuple(row["event"]["feature_ids"])})
        try:
            with conn.begin_nested():
                fn(conn, event)
        except Exception:  # noqa: BLE001 - stays queued for the next drain
            log.exception("post-write retry %s failed", row["id"])
            continue
        conn.execute(text(_DONE), {"id": row["id"]})
        done += 1
    return done
