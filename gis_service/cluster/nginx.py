"""nginx in front of the app processes, from the templates in deploy/nginx/."""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path

from gis_service.db.embedded import ClusterError
from gis_service.settings import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "deploy" / "nginx"


def nginx_binary() -> str:
    wanted = os.environ.get("GIS_NGINX")  # an explicit binary, else the Debian one
    if wanted:
        found = shutil.which(wanted)
    else:
        found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise ClusterError("未安装 nginx：请运行 bash scripts/apt-install.sh nginx",
                           "nginx is not installed: run bash scripts/apt-install.sh nginx")
    return found


def render(template: str, **values: str) -> str:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        raise ClusterError("nginx 配置模板有未填写的占位符", f"unfilled placeholder in {template}")
    return text


def site_config(listen: str, app_ports: list[int], cache_dir: Path, access_log: Path) -> str:
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in app_ports)
    return render("gis-service.conf", listen=listen, upstream_servers=servers, cache_dir=str(cache_dir),
                  access_log=str(access_log))


class Nginx:
    def __init__(self, root: Path, port: int, app_ports: list[int]) -> None:
        self.root, self.port, self.app_ports = root, port, app_ports
        self.pid_file = root / "nginx.pid"

    def _worker_user(self) -> str | None:
        if os.geteuid() != 0:
            return None
        for name in ("www-data", "nobody"):
            try:
                pwd.getpwnam(name)
                return name
            except KeyError:
                continue
        return None

    def write_config(self) -> Path:
        user = self._worker_user()
        for sub in ("cache", "temp", "logs"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
            if user:
                shutil.chown(self.root / sub, user)
        site = self.root / "gis-service.conf"
        site.write_text(site_config(f"127.0.0.1:{self.port}", self.app_ports, self.root / "cache",
                                    self.root / "logs" / "access.log"))
        main = self.root / "nginx.conf"
        main.write_text(render("nginx-main.conf", user=f"user {user};" if user else "",
                               pid_file=str(self.pid_file), error_log=str(self.root / "logs" / "error.log"),
                               temp_dir=str(self.root / "temp"), site_conf=str(site)))
        return main

    def _nginx(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [nginx_binary(), "-p", str(self.root), "-c", str(self.root / "nginx.conf"),
               "-e", str(self.root / "logs" / "error.log"), *args]
        return subprocess.run(cmd, capture_output=True, text=True)

    def start(self) -> None:
        self.write_config()
        checked = self._nginx("-t")
        if checked.returncode != 0:
            raise ClusterError("nginx 配置无效", f"nginx -t failed: {checked.stderr.strip().splitlines()[-1]}")
        started = self._nginx()
        if started.returncode != 0:
            raise ClusterError("nginx 启动失败", f"nginx failed to start: {started.stderr.strip().splitlines()[-1]}")
        deadline = time.monotonic() + 10
        while self.pid() is None and time.monotonic() < deadline:
            time.sleep(0.1)

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        pid = self.pid()
        if pid is None:
            return
        os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + 10
        while self.pid() is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        if self.pid() is not None:
            os.kill(pid, signal.SIGTERM)

    def cache_statuses(self) -> dict[str, int]:
        """Counts of $upstream_cache_status in the access log (HIT, REVALIDATED, MISS, STALE, ...)."""
        counts: dict[str, int] = {}
        log = self.root / "logs" / "access.log"
        if log.exists():
            for line in log.read_text(errors="replace").splitlines():
                status = line.partition(" cache=")[2].partition(" ")[0] or "-"
                counts[status] = counts.get(status, 0) + 1
        return counts
