"""One loopback topology for the module: primary, streaming replica, two app processes, nginx."""
from __future__ import annotations

import shutil
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from gis_service.auth.keys import create_key
from gis_service.cluster.nginx import nginx_binary
from gis_service.cluster.topology import ClusterConfig, Topology
from gis_service.db.embedded import ClusterError

from ..conftest import free_port

pytestmark = pytest.mark.cluster


def _skip_without_nginx():
    try:
        nginx_binary()
    except ClusterError as exc:
        pytest.skip(str(exc))


def make_topology(sync: bool = False) -> Topology:
    root = Path(tempfile.mkdtemp(prefix="gis-cluster-"))
    root.chmod(0o755)
    config = ClusterConfig(root=root / "t", primary_port=free_port(), replica_port=free_port(),
                           http_port=free_port(), app_ports=[free_port(), free_port()], sync=sync,
                           extra_env={"GIS_PARCEL_JOB_WORKER": "false", "GIS_REPLICA_PROBE_INTERVAL_S": "0.5",
                                      "GIS_POOL_TIMEOUT_S": "2", "GIS_CONNECT_TIMEOUT_S": "2"})
    topology = Topology(config)
    started = time.monotonic()
    topology.config.check()
    topology.up_databases()
    from gis_service.cli.cluster import _load

    _load(topology.primary.url)
    topology.up()
    print(f"\n[cluster] topology up in {time.monotonic() - started:.1f} s")
    return topology


@pytest.fixture(scope="module")
def topology():
    _skip_without_nginx()
    topology = make_topology()
    yield topology
    topology.down()
    shutil.rmtree(topology.config.root.parent, ignore_errors=True)


def _new_editor_key(topology, name: str) -> str:
    engine = create_engine(topology.primary.url)
    with engine.begin() as conn:
        key = create_key(conn, name, "editor", created_by="test")[0]
    engine.dispose()
    return key


@pytest.fixture(scope="module")
def editor_key(topology):
    return _new_editor_key(topology, "cluster-editor")


@pytest.fixture
def drill_key(topology):
    """A key of its own per failover drill: a drill writes as fast as the cluster answers (~270 writes
    in 10 s), and two drills within a minute on one key would share its write budget
    (settings.writes_per_minute) and meet 429s that have nothing to do with the failover."""
    return _new_editor_key(topology, f"cluster-drill-{uuid.uuid4().hex[:8]}")


def sql(url: str, statement: str, **params):
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return result.all() if result.returns_rows else None
    finally:
        engine.dispose()


def wait_replayed(topology: Topology, timeout_s: float = 10) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    target = sql(topology.primary.url, "SELECT pg_current_wal_insert_lsn()")[0][0]
    deadline = time.monotonic() + timeout_s
    while sql(topology.replica.url, "SELECT pg_last_wal_replay_lsn() >= CAST(:t AS pg_lsn)", t=target)[0][0] is not True:
        assert time.monotonic() < deadline, "replica did not catch up"
        time.sleep(0.05)


def edit(base: str, key: str, path: str, body: dict, client: httpx.Client | None = None) -> httpx.Response:
    client = client or httpx.Client(timeout=10)
    auth = {"Authorization": f"Bearer {key}"}
    got = client.get(f"{base}{path}", headers=auth)
    if got.status_code != 200:
        return got
    return client.patch(f"{base}{path}", json=body, headers={**auth, "If-Match": got.headers["etag"]})
