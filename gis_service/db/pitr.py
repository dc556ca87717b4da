"""Point-in-time restore of a CLI-managed cluster: a base backup plus the archived WAL.

``base_backup`` copies the running primary (pg_basebackup); ``restore_to`` puts the newest base
backup taken before the target in place of the data directory (the old one is kept beside it),
replays the archive up to the target moment and promotes. Times are read in Asia/Shanghai.
An external database has its own tooling for this (docs/DEPLOYMENT.md).
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import time
from pathlib import Path

from gis_service.db.embedded import ClusterError, EmbeddedCluster, _owner
from gis_service.vocab import LOCAL_TZ

RESTORE_MARK = "\n# gis-service point-in-time restore\n"


def parse_target(value: str) -> dt.datetime:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return dt.datetime.strptime(value.strip(), fmt).replace(tzinfo=LOCAL_TZ)
        except ValueError:
            continue
    raise ClusterError(f"时间格式应为 YYYY-MM-DD HH:MM[:SS]（北京时间）: {value!r}",
                       f"--to must be YYYY-MM-DD HH:MM[:SS] (Asia/Shanghai), got {value!r}", status=400)


def _chown_tree(path: Path) -> None:
    owner = _owner()
    if owner:
        subprocess.run(["chown", "-R", f"{owner}:{owner}", str(path)], check=True)


def base_backup(cluster: EmbeddedCluster, base_dir: Path) -> Path:
    base_dir.mkdir(parents=True, exist_ok=True)
    _chown_tree(base_dir)
    stamp = dt.datetime.now(dt.timezone.utc)
    target = base_dir / stamp.strftime("%Y%m%dT%H%M%S%fZ")
    cluster._run("pg_basebackup", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres",
                 "-D", str(target), "-X", "stream", "-c", "fast")
    finished = dt.datetime.now(dt.timezone.utc)
    (target.parent / f"{target.name}.json").write_text(json.dumps({"finished_at": finished.isoformat()}))
    return target


def _base_before(base_dir: Path, target: dt.datetime) -> Path:
    candidates = []
    for meta in sorted(base_dir.glob("*.json")):
        finished = dt.datetime.fromisoformat(json.loads(meta.read_text())["finished_at"])
        if finished <= target and (base_dir / meta.stem).is_dir():
            candidates.append(base_dir / meta.stem)
    if not candidates:
        raise ClusterError("没有早于该时间的基础备份", f"no base backup finished before {target.isoformat()}",
                           status=400)
    return candidates[-1]


def archive_current_wal(cluster: EmbeddedCluster, archive_dir: Path, timeout_s: float = 30) -> None:
    """Close the current WAL segment and wait until the archiver has copied it."""
    name = cluster.psql("SELECT pg_walfile_name(pg_switch_wal())")
    deadline = time.monotonic() + timeout_s
    while not (archive_dir / name).exists():
        if time.monotonic() > deadline:
            raise ClusterError("WAL 归档超时", f"WAL segment {name} not archived after {timeout_s}s")
        time.sleep(0.2)


def restore_to(cluster: EmbeddedCluster, base_dir: Path, archive_dir: Path, target: dt.datetime) -> Path:
    """Replace the cluster's data with its state at ``target``; returns where the old data went."""
    if not any(archive_dir.glob("0*")):
        raise ClusterError("该集群未开启 WAL 归档", f"no archived WAL in {archive_dir}: "
                           "point-in-time restore needs a cluster started by `gis-service cluster up`")
    base = _base_before(base_dir, target)
    if cluster.is_running():
        archive_current_wal(cluster, archive_dir)
        cluster.stop("fast")
    kept = cluster.pgdata.with_name(f"data.before-restore-{int(time.time())}")
    cluster.pgdata.rename(kept)
    shutil.copytree(base, cluster.pgdata, symlinks=True)
    _chown_tree(cluster.pgdata)
    cluster.pgdata.chmod(0o700)
    (cluster.pgdata / "recovery.signal").touch()
    _chown_tree(cluster.pgdata / "recovery.signal")
    when = target.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f+00")
    with open(cluster.pgdata / "postgresql.auto.conf", "a", encoding="utf-8") as fh:
        fh.write(f"{RESTORE_MARK}restore_command = 'cp {archive_dir}/%f %p'\n"
                 f"recovery_target_time = '{when}'\nrecovery_target_action = 'promote'\n")
    cluster.start()
    deadline = time.monotonic() + 300
    while cluster.psql("SELECT pg_is_in_recovery()") == "t":
        if time.monotonic() > deadline:
            raise ClusterError("时间点恢复超时", "point-in-time recovery did not finish in 300 s")
        time.sleep(0.2)
    auto = cluster.pgdata / "postgresql.auto.conf"
    auto.write_text(auto.read_text().split(RESTORE_MARK)[0])  # recovery settings served their turn
    return kept
