"""The loopback production topology: nginx → two app processes → primary + streaming replica.

Module order matters and is the story: writes and caching, reads on the replica, the replica
going away, point-in-time restore, then the failover drills (asynchronous with -m fast, then
synchronous with -m immediate), each on the cluster the previous step left.
"""
from __future__ import annotations

import datetime as dt
import math
import time
from zoneinfo import ZoneInfo

import httpx
import pytest
from typer.testing import CliRunner

from gis_service.cli import app

from .conftest import edit, sql, wait_replayed
from .drill import run_drill

pytestmark = pytest.mark.cluster
PROJECTS = "/collections/projects/items"


def _tile_of(base: str, fid: str, z: int = 15) -> str:
    feature = httpx.get(f"{base}{PROJECTS}/{fid}?f=json").json()
    coords = feature["geometry"]["coordinates"]
    while isinstance(coords[0], list):
        coords = coords[0]
    lon, lat = coords[:2]
    n = 2 ** z
    col = int((lon + 180) / 360 * n)
    row = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"/collections/projects/tiles/WebMercatorQuad/{z}/{row}/{col}"


def _fids(topology, n):
    return [r[0] for r in sql(topology.primary.url, "SELECT id FROM projects ORDER BY id LIMIT :n", n=n)]


def test_write_through_one_app_is_visible_through_nginx(topology, editor_key):
    base, app1, app2 = topology.base_url, *(f"http://127.0.0.1:{p}" for p in topology.config.app_ports)
    fid = sql(topology.primary.url, "SELECT id FROM projects WHERE geom IS NOT NULL ORDER BY id LIMIT 1")[0][0]
    tile = _tile_of(base, fid)
    item = f"{PROJECTS}/{fid}?f=json"
    for path in (tile, item):  # fill the cache, then see it answer from it
        httpx.get(f"{base}{path}")
        assert httpx.get(f"{base}{path}").headers["x-cache-status"] in ("HIT", "REVALIDATED")
    old_tile = httpx.get(f"{base}{tile}").headers["etag"]
    written = edit(app1, editor_key, f"{PROJECTS}/{fid}", {"status": "ongoing", "percent_complete": 37})
    assert written.status_code == 200, written.text
    assert "gis_lsn=" in written.headers.get("set-cookie", "")  # read-your-writes token
    # The item page is read from the primary: through nginx at once, with no wait at all.
    through_nginx = httpx.get(f"{base}{item}")
    assert through_nginx.json()["properties"]["percent_complete"] == 37
    assert through_nginx.headers["x-cache-status"] in ("EXPIRED", "MISS")  # refetched, not served stale
    assert httpx.get(f"{app2}{item}").json()["properties"]["percent_complete"] == 37
    # Tiles are read from the replica: once it has replayed the write, the cached tile is replaced.
    wait_replayed(topology)
    new = httpx.get(f"{base}{tile}")
    assert new.status_code == 200 and new.headers["etag"] != old_tile
    assert new.content == httpx.get(f"{app2}{tile}").content
    again = httpx.get(f"{base}{tile}")
    assert again.headers["etag"] == new.headers["etag"] and again.headers["x-cache-status"] == "REVALIDATED"
    # Credentials never read or fill the cache.
    auth = httpx.get(f"{base}{item}", headers={"Authorization": f"Bearer {editor_key}"})
    assert auth.headers["x-cache-status"] == "BYPASS"


def test_reads_reach_the_replica(topology):
    # Scans of the projects table on each node: autovacuum (busy on a freshly loaded primary) does
    # not count as a scan, and a standby runs no autovacuum at all.
    def scans(url):
        return sql(url, "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
                        "WHERE relname = 'projects'")[0][0]

    def deltas(action):
        time.sleep(1.0)  # counters are flushed by each backend at most once a second
        before = scans(topology.replica.url), scans(topology.primary.url)
        started = time.monotonic()
        action()
        # Idle backends flush their counters within 10 s (PGSTAT_IDLE_INTERVAL): wait for them.
        deadline = time.monotonic() + 12
        while scans(topology.replica.url) - before[0] < n and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(max(0.0, 4.0 - (time.monotonic() - started)))
        return scans(topology.replica.url) - before[0], scans(topology.primary.url) - before[1]

    n = 40
    idle = deltas(lambda: None)  # waits the full 12 s: nothing to count
    busy = deltas(lambda: [httpx.get(f"{topology.base_url}{PROJECTS}?limit=3&offset={i}").raise_for_status()
                           for i in range(n)])
    print(f"\n[cluster] {n} list reads: projects scanned {busy[0]} times on the replica (idle {idle[0]}), "
          f"{busy[1]} on the primary (idle {idle[1]})")
    # Other work scans the table now and then (the idle window shows how much): raw counts.
    assert busy[0] >= n
    assert busy[1] < n / 4
    sessions = sql(topology.replica.url, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'gis-service'")
    assert sessions[0][0] >= 1
    health = httpx.get(f"{topology.base_url}/healthz").json()["replica"]
    assert health["configured"] and health["up"] and health["in_recovery"] and health["lag_s"] <= health["max_lag_s"]


def test_replica_down_gives_readers_no_error(topology):
    topology.replica.stop("fast")
    try:
        paths = [f"{PROJECTS}?limit=2&offset={i}" for i in range(15)] + ["/collections", "/collections/projects"]
        codes = [httpx.get(f"{topology.base_url}{p}", timeout=10).status_code for p in paths]
        assert codes == [200] * len(paths)
        health = httpx.get(f"{topology.base_url}/healthz").json()["replica"]
        assert health["up"] is False and health["serving_reads"] is False
    finally:
        topology.replica.start()
    from gis_service.cluster.postgres import wait_streaming

    wait_streaming(topology.primary)


def test_read_your_writes_waits_for_the_replica_to_pass_the_write(topology, editor_key):
    from gis_service.db.engine import make_engine
    from gis_service.db.replica import ReadRouter, current_lsn
    from gis_service.settings import Settings

    settings = Settings(database_url=topology.primary.url)
    primary, replica = make_engine(settings, pool_size=1), make_engine(settings, url=topology.replica.url, pool_size=1)
    try:
        router = ReadRouter(primary, replica, max_lag_s=5.0, probe_interval_s=0.0)
        fid = _fids(topology, 1)[0]
        assert edit(topology.base_url, editor_key, f"{PROJECTS}/{fid}", {"progress_note": "ryw"}).status_code == 200
        lsn = current_lsn(primary)
        assert router.use_replica(anonymous=False, min_lsn=lsn + 2**40) is False  # not yet replayed: primary
        wait_replayed(topology)
        assert router.use_replica(anonymous=False, min_lsn=lsn) is True
        assert router.use_replica(anonymous=False, min_lsn=None) is False   # an editor without a token
        assert router.use_replica(anonymous=True, min_lsn=None) is True
        router.max_lag_s = -1.0                                               # "lagging": anonymous to the primary
        assert router.use_replica(anonymous=True, min_lsn=None) is False
    finally:
        primary.dispose()
        replica.dispose()


def test_anonymous_reads_take_a_lagging_replica_rather_than_fail(topology):
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from gis_service.db.engine import make_engine
    from gis_service.db.replica import ReadRouter
    from gis_service.settings import Settings

    from ..conftest import free_port

    dead_url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gis"
    dead = make_engine(Settings(database_url=dead_url), pool_size=1)
    replica = make_engine(Settings(database_url=topology.replica.url), pool_size=1)
    try:
        router = ReadRouter(dead, replica, max_lag_s=-1.0, probe_interval_s=0.0)  # "too far behind"
        assert router.use_replica(anonymous=True, min_lsn=None) is False
        with router.connect(False, anonymous=True) as conn:  # the primary refuses: the replica answers
            assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar() is True
        with pytest.raises(OperationalError):  # an editor's read never silently goes to a stale copy
            router.connect(False, anonymous=False)
    finally:
        dead.dispose()
        replica.dispose()


def test_nginx_serves_stored_entries_while_no_app_answers(topology):
    from gis_service.cluster import apps

    base = topology.base_url
    fid = _fids(topology, 1)[0]
    item = f"{PROJECTS}/{fid}?f=json"
    fresh = httpx.get(f"{base}{item}")
    assert fresh.status_code == 200
    for pid in topology._recorded_pids():
        apps.stop_app(pid)
    try:
        stale = httpx.get(f"{base}{item}")
        assert stale.status_code == 200 and stale.headers["x-cache-status"] == "STALE"
        assert stale.content == fresh.content
        assert httpx.get(f"{base}{PROJECTS}?limit=1").status_code == 502  # never cached: nothing to give
    finally:
        topology.restart_apps()
    assert httpx.get(f"{base}{item}").status_code == 200


def test_point_in_time_restore_finds_exactly_the_first_edits(topology, editor_key):
    base = topology.base_url
    fids = _fids(topology, 3)
    for fid in fids:
        assert edit(base, editor_key, f"{PROJECTS}/{fid}", {"progress_note": f"first {fid}"}).status_code == 200
    time.sleep(1.1)
    noted = dt.datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")
    time.sleep(1.1)
    for fid in fids:
        assert edit(base, editor_key, f"{PROJECTS}/{fid}", {"progress_note": f"second {fid}"}).status_code == 200
    extra = _fids(topology, 4)[-1]
    assert edit(base, editor_key, f"{PROJECTS}/{extra}", {"progress_note": "later"}).status_code == 200
    started = time.monotonic()
    result = CliRunner().invoke(app, ["restore", "--to", noted, "--root", str(topology.config.root)])
    assert result.exit_code == 0, result.output
    print(f"\n[cluster] restore --to {noted}: {time.monotonic() - started:.1f} s")
    notes = dict(sql(topology.primary.url, "SELECT id, progress_note FROM projects WHERE id = ANY(:ids)",
                     ids=fids + [extra]))
    assert notes == {**{fid: f"first {fid}" for fid in fids}, extra: notes[extra]} and notes[extra] != "later"
    for fid in fids:  # and the service, through nginx, says the same
        got = httpx.get(f"{base}{PROJECTS}/{fid}?f=json").json()["properties"]["progress_note"]
        assert got == f"first {fid}"
    verified = CliRunner().invoke(app, ["audit", "verify"], env={"GIS_DATABASE_URL": topology.primary.url})
    assert verified.exit_code == 0, verified.output


def test_failover_drill_fast_stop_loses_no_acknowledged_write(topology, drill_key):
    report = run_drill(topology, drill_key, stop_mode="fast", label="async")
    _assert_drill(report)


def test_failover_drill_synchronous_immediate_stop_loses_none(topology, drill_key):
    started = time.monotonic()
    topology.config.sync = True
    topology.rejoin()  # the old primary comes back as the replica, now synchronous
    print(f"\n[cluster] rejoin as synchronous replica: {time.monotonic() - started:.1f} s")
    assert sql(topology.primary.url, "SHOW synchronous_commit")[0][0] == "remote_apply"
    report = run_drill(topology, drill_key, stop_mode="immediate", label="sync")
    _assert_drill(report)


def _assert_drill(report):
    assert report.unexpected == [], report.unexpected[:5]       # nothing but 200/304/503
    assert report.without_retry_after == 0                     # every 503 says when to retry
    assert report.read_failures == 0                            # lists and tiles kept answering
    assert report.writes_after_promotion > 0                    # writes came back, no restart
    assert report.acknowledged > 0 and report.lost == []        # zero lost acknowledged writes

