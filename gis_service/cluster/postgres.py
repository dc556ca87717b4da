"""Primary and streaming replica, both EmbeddedCluster instances (Debian binaries, run as postgres).

The primary archives its WAL (for point-in-time restore) and serves replication; the replica is
made with ``pg_basebackup -R`` over a replication slot, so the primary keeps the WAL the replica
has not yet received. With ``sync`` the primary waits for the replica to apply each commit
(synchronous_commit = remote_apply): no acknowledged write can be lost with the primary, at the
cost of writes waiting (or failing with 503) while the replica is down.
"""
from __future__ import annotations

import pwd
import shutil
import time
from pathlib import Path

from gis_service.db.embedded import ClusterError, EmbeddedCluster, _owner

REPLICA_NAME = "gis_replica"


def _chown(path: Path) -> None:
    owner = _owner()
    if owner:
        info = pwd.getpwnam(owner)
        shutil.chown(path, info.pw_uid, info.pw_gid)


def make_archive_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    _chown(path)
    path.chmod(0o700)


def primary_settings(archive_dir: Path) -> dict[str, str]:
    return {"wal_level": "replica", "max_wal_senders": "10", "max_replication_slots": "10",
            "hot_standby": "on", "hot_standby_feedback": "on", "wal_keep_size": "256MB",
            "archive_mode": "on", "archive_command": f"test ! -f {archive_dir}/%f && cp %p {archive_dir}/%f",
            "archive_timeout": "60"}


def sync_settings(sync: bool) -> dict[str, str]:
    return ({"synchronous_standby_names": REPLICA_NAME, "synchronous_commit": "remote_apply"} if sync
            else {"synchronous_standby_names": "", "synchronous_commit": "on"})


def _alter_system(cluster: EmbeddedCluster, values: dict[str, str]) -> None:
    # ALTER SYSTEM keeps postgresql.auto.conf to one line per setting, whoever wrote it before.
    for name, value in values.items():
        cluster.psql(f"ALTER SYSTEM SET {name} = '{value.replace(chr(39), chr(39) * 2)}'")


def configure_primary(primary: EmbeddedCluster, archive_dir: Path, sync: bool) -> None:
    """initdb on first use, then the replication and archiving settings (a restart applies them)."""
    make_archive_dir(archive_dir)
    primary.start()
    wanted = {**primary_settings(archive_dir), **sync_settings(sync)}
    current = dict(line.split("|", 1) for line in primary.psql(
        "SELECT name, setting FROM pg_settings WHERE name IN (" + ", ".join(f"'{n}'" for n in wanted) + ")"
    ).splitlines())
    _alter_system(primary, wanted)
    if current.get("wal_level") != "replica" or current.get("archive_mode") != "on":
        primary.stop()
        primary.start()
    else:
        primary.psql("SELECT pg_reload_conf()")


def make_replica(primary: EmbeddedCluster, replica: EmbeddedCluster) -> None:
    """A fresh streaming replica of ``primary`` (any old replica data is replaced)."""
    replica.stop("immediate") if replica.is_initialised() else None
    shutil.rmtree(replica.data_dir, ignore_errors=True)
    replica.data_dir.mkdir(parents=True)
    _chown(replica.data_dir)
    replica.data_dir.chmod(0o700)
    primary.psql(f"SELECT pg_drop_replication_slot('{REPLICA_NAME}') FROM pg_replication_slots "
                 f"WHERE slot_name = '{REPLICA_NAME}' AND NOT active")
    slot = primary.psql(f"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{REPLICA_NAME}'")
    primary._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                 "-D", str(replica.pgdata), "-R", "-X", "stream", "-c", "fast", "-S", REPLICA_NAME,
                 *(["-C"] if slot == "0" else []))
    # Its own port; a name the primary can wait for; it never archives (the primary does).
    with open(replica.pgdata / "postgresql.auto.conf", "a", encoding="utf-8") as fh:
        fh.write(f"\nport = {replica.port}\narchive_mode = off\nsynchronous_standby_names = ''\n"
                 f"primary_conninfo = 'host=127.0.0.1 port={primary.port} user=postgres "
                 f"application_name={REPLICA_NAME}'\nprimary_slot_name = '{REPLICA_NAME}'\n")
    replica.start()


def in_recovery(cluster: EmbeddedCluster) -> bool:
    return cluster.psql("SELECT pg_is_in_recovery()") == "t"


def wait_streaming(primary: EmbeddedCluster, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = primary.psql(f"SELECT state FROM pg_stat_replication WHERE application_name = '{REPLICA_NAME}'")
        if state == "streaming":
            return
        time.sleep(0.2)
    raise ClusterError("副本未能开始流复制", f"replica not streaming after {timeout_s}s")


def promote(replica: EmbeddedCluster, timeout_s: float = 60) -> None:
    replica._run("pg_ctl", "-D", str(replica.pgdata), "-w", "-t", str(int(timeout_s)), "promote")
    deadline = time.monotonic() + timeout_s
    while in_recovery(replica):
        if time.monotonic() > deadline:
            raise ClusterError("副本提升超时", f"replica still in recovery after {timeout_s}s")
        time.sleep(0.1)


def set_sync(primary: EmbeddedCluster, sync: bool) -> None:
    """Switch synchronous replication on or off without a restart (reload)."""
    _alter_system(primary, sync_settings(sync))
    primary.psql("SELECT pg_reload_conf()")
