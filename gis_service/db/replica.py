"""Which database answers a read: the streaming replica when it is fresh enough, else the primary.

Anonymous reads tolerate up to ``replica_max_lag_s`` of lag. A caller that wrote carries the
commit position of its write (an LSN, in a signed cookie); its reads go to the replica only once
the replica has replayed past that position, so it always sees its own writes. A replica that
is down or unreachable sends every read to the primary, without an error for the reader.
The replica's state is probed at most once per ``replica_probe_interval_s``.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, TimeoutError as PoolTimeout

# Caught up (everything received is replayed, give or take a few records in flight) counts as no
# lag: the last replayed *commit* grows old while the primary writes only non-transactional WAL
# (autovacuum, checkpoints), although the replica misses nothing.
CAUGHT_UP_BYTES = 1024 * 1024
PROBE = f"""
    SELECT pg_is_in_recovery() AS in_recovery,
           CASE WHEN NOT pg_is_in_recovery()
                  OR pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) < {CAUGHT_UP_BYTES} THEN 0
                ELSE COALESCE(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END AS lag_s,
           pg_last_wal_replay_lsn()::text AS replay_lsn"""
CURRENT_LSN = "SELECT pg_current_wal_insert_lsn()::text"


def parse_lsn(value: str | None) -> int | None:
    """'16/B374D848' -> a comparable integer; None for anything else."""
    try:
        high, low = (value or "").split("/")
        return (int(high, 16) << 32) + int(low, 16)
    except ValueError:
        return None


@dataclass
class ReplicaState:
    up: bool = False
    in_recovery: bool = False
    lag_s: float | None = None
    replay_lsn: int | None = None
    probed_at: float = 0.0
    error: str | None = None


class ReadRouter:
    def __init__(self, primary: Engine, replica: Engine | None, *, max_lag_s: float,
                 probe_interval_s: float = 1.0) -> None:
        self.primary, self.replica = primary, replica
        self.max_lag_s, self.probe_interval_s = max_lag_s, probe_interval_s
        self.state = ReplicaState()
        self._lock = threading.Lock()

    def probe(self) -> ReplicaState:
        state = ReplicaState(probed_at=time.monotonic())
        try:
            with self.replica.connect() as conn:
                row = conn.execute(text(PROBE)).mappings().one()
            state.up, state.in_recovery = True, row["in_recovery"]
            state.lag_s, state.replay_lsn = float(row["lag_s"]), parse_lsn(row["replay_lsn"])
        except (DBAPIError, PoolTimeout) as exc:
            state.error = type(exc).__name__
        self.state = state
        return state

    def _fresh_state(self) -> ReplicaState:
        if time.monotonic() - self.state.probed_at >= self.probe_interval_s and self._lock.acquire(blocking=False):
            try:  # one prober at a time; the others read the last state
                self.probe()
            finally:
                self._lock.release()
        return self.state

    def status_is_configured(self) -> bool:
        return self.replica is not None and self.replica is not self.primary

    def use_replica(self, *, anonymous: bool, min_lsn: int | None) -> bool:
        if not self.status_is_configured():
            return False
        state = self._fresh_state()
        if not state.up:
            return False
        if min_lsn is not None:  # read-your-writes: only once the replica has replayed the write
            return not state.in_recovery or (state.replay_lsn is not None and state.replay_lsn >= min_lsn)
        return anonymous and state.lag_s is not None and state.lag_s <= self.max_lag_s

    def connect(self, use_replica: bool, anonymous: bool = False) -> Connection:
        """A connection to the chosen database. A replica that refuses means the primary; for an
        anonymous read, a primary that refuses means the replica, lagging or not (a slightly old
        answer beats a 503 while the primary is down)."""
        if use_replica:
            try:
                return self.replica.connect()
            except (DBAPIError, PoolTimeout) as exc:
                self.state = ReplicaState(probed_at=time.monotonic(), error=type(exc).__name__)
        try:
            return self.primary.connect()
        except (DBAPIError, PoolTimeout):
            if use_replica or not anonymous or not self.status_is_configured():
                raise
            return self.replica.connect()

    def status(self) -> dict:
        """For /healthz: configured or not, up, lag, and whether reads go there now."""
        if not self.status_is_configured():
            return {"configured": False}
        state = self._fresh_state()
        return {"configured": True, "up": state.up, "in_recovery": state.in_recovery,
                "lag_s": None if state.lag_s is None else round(state.lag_s, 3), "max_lag_s": self.max_lag_s,
                "serving_reads": state.up and state.lag_s is not None and state.lag_s <= self.max_lag_s,
                **({"error": state.error} if state.error else {})}


def current_lsn(engine: Engine) -> int | None:
    """The primary's WAL insert position: at or past every commit acknowledged so far."""
    with engine.connect() as conn:
        return parse_lsn(conn.execute(text(CURRENT_LSN)).scalar_one())


IDENTITY = ("SELECT (SELECT system_identifier FROM pg_control_system())::text, pg_is_in_recovery(), "
            "inet_server_port(), current_database()")


def check_read_url(write_engine: Engine, read_engine: Engine) -> None:
    """Refuse a read URL that is the write database itself (a replica URL pointing at the primary)."""
    from gis_service.db.embedded import ClusterError

    try:
        with write_engine.connect() as w, read_engine.connect() as r:
            primary, replica = w.execute(text(IDENTITY)).one(), r.execute(text(IDENTITY)).one()
    except DBAPIError:
        return  # one of them is down: reads fall back to the primary, nothing to compare
    if not replica[1] and primary[0] == replica[0] and tuple(primary[2:]) == tuple(replica[2:]):
        raise ClusterError("GIS_DATABASE_READ_URL 指向主库本身，而不是副本",
                           "GIS_DATABASE_READ_URL points at the primary itself, not at a replica", status=400)
