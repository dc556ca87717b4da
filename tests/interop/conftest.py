"""Interop fixtures: one real server for the package over a cloned, loaded database,
plus helpers for reading its access log. Real clients only talk HTTP."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from ..conftest import cloned_db
from ..live import live_server

ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<target>\S+) HTTP/[\d.]+" (?P<status>\d{3})')


@pytest.fixture(scope="package")
def interop_db(pg, loaded_template):
    with cloned_db(pg, loaded_template) as url:
        yield url


@pytest.fixture(scope="package")
def served(interop_db, tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "access.log"
    with live_server(interop_db, log_path=log) as base:
        yield base, log


@pytest.fixture(scope="package")
def server(served) -> str:
    """Base URL of a `gis-service serve` process (default limits) over ``interop_db``."""
    return served[0]


@pytest.fixture(scope="package")
def server_log(served) -> Path:
    """That server's uvicorn access log; read it with ``access_log(path, start)``."""
    return served[1]


@pytest.fixture(scope="package")
def catalog(server) -> dict[str, dict]:
    """The /collections documents by id, as every client test's expectation."""
    docs = httpx.get(f"{server}/collections", params={"f": "json"}, timeout=30).json()["collections"]
    return {doc["id"]: doc for doc in docs}


def access_log(path: Path, start: int = 0) -> list[tuple[str, str, int]]:
    """(method, target, status) for every request logged after byte ``start``."""
    with open(path, "rb") as log:
        log.seek(start)
        text = log.read().decode("utf-8", errors="replace")
    return [(m["method"], m["target"], int(m["status"])) for m in ACCESS_LINE.finditer(text)]


def api_ids(base: str, collection_id: str) -> list[str]:
    """Every feature id of a collection, walking ``next`` links."""
    ids, url, params = [], f"{base}/collections/{collection_id}/items", {"f": "json", "limit": 1000}
    while url:
        page = httpx.get(url, params=params, timeout=30).json()
        ids += [str(f["id"]) for f in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
        params = None
    return ids
