"""A private PostgreSQL 15 + PostGIS cluster run from Debian's binaries.

initdb refuses to run as root, so as root every server command runs as the
``postgres`` system user; the data directory must therefore be reachable by
that user. The cluster listens on loopback only, on its own port, with no
Unix socket, so it never collides with another PostgreSQL on the machine.
"""
from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from gis_service.errors import GisError
from gis_service.settings import PROJECT_ROOT, Settings

PG_BIN = Path(os.environ.get("GIS_PG_BIN", "/usr/lib/postgresql/15/bin"))
SYSTEM_DATA_ROOT = Path("/var/lib/gis-service")
DB_NAME = "gis"


class ClusterError(GisError):
    status = 503
    code = "embedded_cluster_error"


def _owner() -> str | None:
    """The user that owns the cluster: postgres when we are root."""
    return "postgres" if os.geteuid() == 0 else None


def _traversable_by(path: Path, user: str) -> bool:
    info = pwd.getpwnam(user)
    for part in [path, *path.parents]:
        if not part.exists():
            continue
        st = part.stat()
        if st.st_uid == info.pw_uid:
            continue
        if not st.st_mode & 0o001:
            return False
    return True


def default_data_dir(project_root: Path) -> Path:
    candidate = project_root / ".data" / "postgres"
    owner = _owner()
    if owner is None or _traversable_by(project_root, owner):
        return candidate
    # A checkout under /root is not reachable by postgres: keep one cluster per checkout.
    digest = hashlib.sha1(str(project_root).encode()).hexdigest()[:10]
    return SYSTEM_DATA_ROOT / f"cluster-{digest}"


def resolved_database_url(settings: Settings) -> str:
    """``GIS_DATABASE_URL`` when set, else the one in ``GIS_DATABASE_URL_FILE`` (re-read after a
    failover), else the embedded cluster's URL."""
    if settings.database_url:
        return settings.database_url
    if settings.database_url_file:
        return Path(settings.database_url_file).read_text(encoding="utf-8").strip()
    return EmbeddedCluster.from_settings(settings).url


@dataclass
class EmbeddedCluster:
    data_dir: Path
    port: int
    bin_dir: Path = PG_BIN

    @classmethod
    def from_settings(cls, settings: Settings) -> "EmbeddedCluster":
        data_dir = settings.data_dir or default_data_dir(PROJECT_ROOT)
        return cls(data_dir=Path(data_dir), port=settings.embedded_port)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DB_NAME}"

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "data"

    @property
    def logfile(self) -> Path:
        return self.data_dir / "server.log"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(self.bin_dir / args[0]), *args[1:]]
        owner = _owner()
        if owner:
            cmd = ["runuser", "-u", owner, "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if check and proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise ClusterError(
                f"数据库命令失败: {args[0]}",
                f"database command failed: {' '.join(args)}: {' | '.join(tail)}",
            )
        return proc

    def check_binaries(self) -> None:
        if not (self.bin_dir / "initdb").exists():
            raise ClusterError(
                "未找到 PostgreSQL 15，请安装 postgresql-15 postgresql-15-postgis-3",
                f"PostgreSQL 15 binaries not found in {self.bin_dir}; "
                "run: sudo apt-get install postgresql-15 postgresql-15-postgis-3",
            )

    def is_initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def init(self) -> None:
        self.check_binaries()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        owner = _owner()
        if owner:
            info = pwd.getpwnam(owner)
            shutil.chown(self.data_dir, info.pw_uid, info.pw_gid)
        os.chmod(self.data_dir, 0o700)
        # Loopback trust is acceptable for a private, single-machine cluster; use GIS_DATABASE_URL in production.
        self._run("initdb", "-D", str(self.pgdata), "-U", "postgres", "-E", "UTF8",
                  "--locale=C.UTF-8", "--auth=trust")
        conf = self.pgdata / "postgresql.conf"
        extra = (
            f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
            "unix_socket_directories = ''\nfsync = on\nmax_connections = 200\n"
            "shared_buffers = 256MB\nlog_min_messages = warning\njit = off\n"
        )
        self._append_as_owner(conf, extra)

    def _append_as_owner(self, path: Path, text: str) -> None:
        # Root can write the file directly; ownership stays with postgres.
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)

    def is_running(self) -> bool:
        if not self.is_initialised():
            return False
        return self._run("pg_ctl", "-D", str(self.pgdata), "status", check=False).returncode == 0

    def start(self) -> None:
        if not self.is_initialised():
            self.init()
        if self.is_running():
            return
        self._run("pg_ctl", "-D", str(self.pgdata), "-l", str(self.logfile), "-w", "-t", "60",
                  "-o", f"-p {self.port}", "start")
        self.wait_ready()
        self.ensure_database()

    def stop(self, mode: str = "fast") -> None:
        if self.is_running():
            self._run("pg_ctl", "-D", str(self.pgdata), "-m", mode, "-w", "-t", "60", "stop")

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def wait_ready(self, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._run("pg_isready", "-h", "127.0.0.1", "-p", str(self.port), check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise ClusterError("数据库启动超时", f"cluster on port {self.port} not ready after {timeout_s}s")

    def psql(self, sql: str, db: str = "postgres") -> str:
        proc = self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                         "-d", db, "-v", "ON_ERROR_STOP=1", "-tAc", sql)
        return proc.stdout.strip()

    def ensure_database(self, name: str = DB_NAME) -> None:
        exists = self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'")
        if exists != "1":
            self.psql(f'CREATE DATABASE "{name}"')

    def status(self) -> dict:
        return {
            "data_dir": str(self.data_dir),
            "port": self.port,
            "initialised": self.is_initialised(),
            "running": self.is_running(),
            "url": self.url,
        }
