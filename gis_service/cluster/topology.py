"""`gis-service cluster up|down|status`: primary, streaming replica, N app processes, nginx.

Everything lives under one directory (state.json records ports and process ids) and listens on
loopback. The app processes read their write URL from ``write_url`` (GIS_DATABASE_URL_FILE), so a
failover repoints them without a restart; their read URL is the replica.
"""
from __future__ import annotations

import json
import secrets
import shutil
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gis_service.cluster import apps, postgres
from gis_service.cluster.nginx import Nginx, nginx_binary
from gis_service.db.embedded import ClusterError, EmbeddedCluster, default_data_dir
from gis_service.db.pitr import base_backup, restore_to
from gis_service.settings import PROJECT_ROOT


def default_root() -> Path:
    embedded = default_data_dir(PROJECT_ROOT)
    return embedded.with_name(embedded.name + "-topology")


@dataclass
class ClusterConfig:
    root: Path = field(default_factory=default_root)
    primary_port: int = 54916
    replica_port: int = 54917
    http_port: int = 8080
    app_ports: list[int] = field(default_factory=lambda: [8081, 8082])
    sync: bool = False
    public_reads: bool = True
    extra_env: dict = field(default_factory=dict)

    def check(self) -> None:
        if self.replica_port == self.primary_port:
            raise ClusterError("副本端口与主库端口相同：副本 URL 会指向主库",
                               f"replica port {self.replica_port} is the primary's: the replica URL would "
                               "point at the primary")
        ports = [self.primary_port, self.replica_port, self.http_port, *self.app_ports]
        if len(set(ports)) != len(ports):
            raise ClusterError("端口重复", f"ports must all differ: {ports}")


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _url(port: int) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/gis"


class Topology:
    def __init__(self, config: ClusterConfig) -> None:
        self.config = config
        root = config.root
        # Each node's directory is named by its port: roles swap at a failover, directories stay.
        self.primary = EmbeddedCluster(root / f"pg-{config.primary_port}", config.primary_port)
        self.replica = EmbeddedCluster(root / f"pg-{config.replica_port}", config.replica_port)
        self.archive_dir, self.base_dir = root / "archive", root / "base"
        self.url_file, self.state_file = root / "write_url", root / "state.json"
        self.nginx = Nginx(root / "nginx", config.http_port, config.app_ports)

    @classmethod
    def load(cls, root: Path | None = None) -> "Topology":
        """The topology a previous `cluster up` recorded under ``root``."""
        root = root or default_root()
        state_file = root / "state.json"
        if not state_file.exists():
            raise ClusterError("集群未启动（没有 state.json）", f"no cluster under {root}: run gis-service cluster up")
        state = json.loads(state_file.read_text())
        config = ClusterConfig(**{**state["config"], "root": Path(state["config"]["root"])})
        topology = cls(config)
        topology.pids = state.get("pids", [])
        return topology

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.config.http_port}"

    def write_url(self) -> str:
        return self.url_file.read_text().strip()

    def _preflight(self) -> None:
        self.config.check()
        nginx_binary()
        for name, port in (("primary", self.config.primary_port), ("replica", self.config.replica_port),
                           ("nginx", self.config.http_port), *(("app", p) for p in self.config.app_ports)):
            running = {"primary": self.primary, "replica": self.replica}.get(name)
            if port_in_use(port) and not (running and running.is_running()):
                raise ClusterError(f"端口 {port} 已被占用（{name}）", f"port {port} ({name}) is already in use")

    def up_databases(self) -> None:
        self.config.root.mkdir(parents=True, exist_ok=True)
        self.config.root.chmod(0o755)
        postgres.configure_primary(self.primary, self.archive_dir, self.config.sync)
        from gis_service.db.migrate import upgrade

        upgrade(self.primary.url)
        if not self.replica.is_initialised():
            postgres.make_replica(self.primary, self.replica)
        else:
            self.replica.start()
        postgres.wait_streaming(self.primary)
        if not postgres.in_recovery(self.replica):
            raise ClusterError("副本 URL 指向主库（不在恢复模式）",
                               f"the replica on port {self.replica.port} is not in recovery: it is a primary")
        if not any(self.base_dir.glob("*.json")):
            base_backup(self.primary, self.base_dir)
        if not self.url_file.exists():
            self.url_file.write_text(self.primary.url + "\n")

    def app_env(self) -> dict:
        secret_file = self.config.root / "cookie_secret"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_hex(32))
            secret_file.chmod(0o600)
        env = {"GIS_DATABASE_URL_FILE": str(self.url_file), "GIS_DATABASE_READ_URL": self.replica.url,
               "GIS_COOKIE_SECRET": secret_file.read_text().strip(),
               "GIS_PUBLIC_READS": str(self.config.public_reads).lower(), **self.config.extra_env}
        return env

    def up(self) -> None:
        self._preflight()
        try:
            self._up()
        except BaseException:
            self.down()  # nothing half-started is left behind
            raise

    def _up(self) -> None:
        self.up_databases()
        env = self.app_env()
        (self.config.root / "logs").mkdir(exist_ok=True)
        self.pids = [apps.start_app(p, env, self.config.root / "logs" / f"app-{p}.log") for p in self.config.app_ports]
        self._save(self.pids)
        apps.wait_healthy(list(zip(self.pids, self.config.app_ports)))
        self.nginx.start()

    def _save(self, pids: list[int] | None = None) -> None:
        """Record the config, and the app pids when this object has just started them (else keep
        the recorded ones: another Topology object, e.g. the CLI's, may have started them)."""
        config = {**asdict(self.config), "root": str(self.config.root)}
        pids = self._recorded_pids() if pids is None else pids
        self.state_file.write_text(json.dumps({"config": config, "pids": pids}, indent=1))

    def down(self) -> None:
        self.nginx.stop()
        for pid in self._recorded_pids():
            apps.stop_app(pid)
        self.replica.stop("fast")
        self.primary.stop("fast")

    def failover(self) -> None:
        """Promote the replica and repoint every app process's write URL at it; the roles swap
        (the old primary, stopped, is the one `rejoin` makes a replica again)."""
        postgres.promote(self.replica)
        tmp = self.url_file.with_suffix(".tmp")
        tmp.write_text(self.replica.url + "\n")
        tmp.replace(self.url_file)  # atomic: an app never reads half a URL
        self.primary, self.replica = self.replica, self.primary
        self.config.primary_port, self.config.replica_port = self.primary.port, self.replica.port
        self._save()

    def rejoin(self) -> None:
        """After a failover: the old primary becomes the replica of the promoted one (a fresh
        copy), and the app processes restart to read from it."""
        self.replica.stop("immediate")
        postgres.set_sync(self.primary, self.config.sync)
        postgres.make_replica(self.primary, self.replica)
        postgres.wait_streaming(self.primary)
        self._save()
        self.restart_apps()

    def set_sync(self, sync: bool) -> None:
        self.config.sync = sync
        postgres.set_sync(self.primary, sync)
        self._save()

    def restore(self, target) -> Path:
        """Point-in-time restore of the primary; the replica is made again from the result."""
        if postgres.in_recovery(self.primary) if self.primary.is_running() else False:
            raise ClusterError("主库处于恢复模式", "the primary is in recovery")
        self.replica.stop("fast")
        kept = restore_to(self.primary, self.base_dir, self.archive_dir, target)
        postgres.make_replica(self.primary, self.replica)
        postgres.wait_streaming(self.primary)
        # Versions and data_versions start again from older values after a restore: cached
        # tiles and items (nginx, the apps' tile caches) could match new ETags by accident.
        self.restart_apps()
        return kept

    def _recorded_pids(self) -> list[int]:
        """The app processes state.json records: another Topology object (the CLI) may have
        restarted them since this one started its own."""
        if self.state_file.exists():
            return json.loads(self.state_file.read_text()).get("pids", [])
        return []

    def restart_apps(self) -> None:
        self.nginx.stop()
        shutil.rmtree(self.nginx.root / "cache", ignore_errors=True)
        for pid in self._recorded_pids():
            apps.stop_app(pid)
        busy = [p for p in self.config.app_ports if port_in_use(p)]
        if busy:
            raise ClusterError(f"应用端口仍被占用: {busy}", f"app ports still in use after stopping the apps: {busy}")
        env = self.app_env()
        self.pids = [apps.start_app(p, env, self.config.root / "logs" / f"app-{p}.log") for p in self.config.app_ports]
        self._save(self.pids)
        apps.wait_healthy(list(zip(self.pids, self.config.app_ports)))
        self.nginx.start()

    def status(self) -> dict:
        def db(cluster: EmbeddedCluster) -> dict:
            running = cluster.is_running()
            return {"port": cluster.port, "running": running,
                    "in_recovery": postgres.in_recovery(cluster) if running else None}

        return {"root": str(self.config.root), "primary": db(self.primary), "replica": db(self.replica),
                "write_url": self.write_url() if self.url_file.exists() else None,
                "apps": {port: apps.alive(pid) for pid, port in zip(self._recorded_pids(), self.config.app_ports)},
                "nginx": {"port": self.config.http_port, "running": self.nginx.pid() is not None},
                "sync_replica": self.config.sync}
