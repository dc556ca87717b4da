"""A write URL the running app re-reads: ``GIS_DATABASE_URL_FILE`` holds it, one line.

After a failover the operator (or `gis-service cluster`) writes the promoted replica's URL into
the file; every app process picks it up at its next connection checkout, or at once on SIGHUP,
without a restart. The engine object stays the same, so everything that holds it (middlewares,
the batch worker) follows: the connect parameters come from the file, and pooled connections to
the old primary are dropped when the file changes.
"""
from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

from sqlalchemy import Engine, event, exc
from sqlalchemy.engine import make_url


def read_url(path: Path) -> str:
    return Path(path).read_text(encoding="utf-8").strip()


class UrlFile:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.generation = 0
        self._stamp: tuple | None = None
        self._params: dict = {}
        self._lock = threading.Lock()
        self.refresh()

    def refresh(self) -> bool:
        """Re-read the file if it changed; True when the target moved."""
        try:
            st = os.stat(self.path)
        except OSError:
            return False  # keep the last good target while the file is being replaced
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if stamp == self._stamp:
            return False
        with self._lock:
            url = make_url(read_url(self.path))
            params = {"host": url.host, "port": url.port, "dbname": url.database, "user": url.username,
                      "password": url.password}
            moved = params != self._params
            self._stamp, self._params = stamp, params
            if moved:
                self.generation += 1
            return moved

    def params(self) -> dict:
        return {k: v for k, v in self._params.items() if v is not None}


def attach(engine: Engine, url_file: UrlFile) -> None:
    @event.listens_for(engine, "do_connect")
    def _target(dialect, conn_rec, cargs, cparams):
        url_file.refresh()
        cparams.update(url_file.params())
        conn_rec.info["url_generation"] = url_file.generation

    @event.listens_for(engine, "checkout")
    def _still_current(dbapi_conn, conn_rec, proxy):
        url_file.refresh()
        if conn_rec.info.get("url_generation") != url_file.generation:
            raise exc.DisconnectionError("write URL changed")  # the pool reconnects to the new target

    engine.url_file = url_file


def install_sighup(engines: list[Engine]) -> None:
    """SIGHUP: re-read the URL file now and drop pooled connections to the old target."""
    if threading.current_thread() is not threading.main_thread():
        return

    def _reload(signum, frame):
        for engine in engines:
            url_file = getattr(engine, "url_file", None)
            if url_file is not None and url_file.refresh():
                engine.dispose(close=False)

    signal.signal(signal.SIGHUP, _reload)
