"""Test fixtures: a real, throwaway PostgreSQL 15 + PostGIS cluster.

One cluster per test session; each test that writes gets its own database,
cloned from a migrated (or migrated + loaded) template, so tests never see
each other's state. ``cloned_db`` and ``app_client`` are the two helpers every
suite builds its fixtures from.

Markers (pyproject.toml) are applied here by what a test uses, so no module has to
remember them: ``db`` (the test cluster), ``live`` (a real ``gis-service serve``
process), ``browser`` (headless Chromium), ``fuzz`` (tests/fuzz) and ``slow``.
``make test`` runs everything; ``make test-fast`` leaves out slow, browser, live and fuzz.
"""
from __future__ import annotations

import contextlib
import itertools
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from gis_service.db.embedded import EmbeddedCluster
from gis_service.settings import PROJECT_ROOT, Settings

LAYERS_DIR = PROJECT_ROOT / "layers"
_counter = itertools.count()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TestCluster:
    def __init__(self, cluster: EmbeddedCluster) -> None:
        self.cluster = cluster
        self.admin = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")

    def url(self, db: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.cluster.port}/{db}"

    def create_db(self, name: str, template: str = "template0") -> str:
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        return self.url(name)

    def drop_db(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def clone(self, template: str) -> tuple[str, str]:
        name = f"t{next(_counter)}_{template}"
        return name, self.create_db(name, template)


@pytest.fixture(scope="session")
def pg() -> TestCluster:
    root = Path(tempfile.mkdtemp(prefix="gis-test-pg-"))
    root.chmod(0o755)
    cluster = EmbeddedCluster(data_dir=root / "cluster", port=free_port())
    cluster.start()
    tc = TestCluster(cluster)
    yield tc
    tc.admin.dispose()
    cluster.destroy()
    root.rmdir() if root.exists() and not any(root.iterdir()) else None


@pytest.fixture(scope="session")
def empty_template(pg: TestCluster) -> str:
    from gis_service.db.migrate import upgrade

    url = pg.create_db("tmpl_migrated")
    upgrade(url)
    return "tmpl_migrated"


@pytest.fixture(scope="session")
def loaded_template(pg: TestCluster, empty_template: str) -> str:
    from gis_service.db.engine import make_engine
    from gis_service.loader.indicators import load_indicators
    from gis_service.loader.load import load_layers

    name, url = pg.clone(empty_template)
    engine = make_engine(test_settings(url), pool_size=1, max_overflow=0)
    load_layers(engine, LAYERS_DIR)
    load_indicators(engine, LAYERS_DIR / "indicators.csv")
    with engine.begin() as conn:
        backdate_loads(conn, SEED_LOADED_AT)
    engine.dispose()
    with pg.admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" RENAME TO tmpl_loaded'))
    return "tmpl_loaded"


# The template's seed load is recorded as made at the start of the plan period, so tests can
# travel back to dates of the plan; "a date before the data" is before this.
SEED_LOADED_AT = "2016-01-01 08:00+08"


# Re-seal the history's hash chain after a fixture moved rows in time, as if they had been
# written then: the same hash function the insert trigger uses, in chain order.
RESEAL_HISTORY_CHAIN = """
    DO $$
    DECLARE r progress_events; prev text; h text;
    BEGIN
      FOR r IN SELECT * FROM progress_events ORDER BY chain_seq LOOP
        IF prev IS NOT NULL THEN r.prev_hash := prev; END IF;
        h := gis_chain_hash_progress_events(r);
        UPDATE progress_events SET prev_hash = r.prev_hash, row_hash = h WHERE id = r.id;
        prev := h;
      END LOOP;
      IF prev IS NOT NULL THEN
        UPDATE audit_chain_heads SET head_hash = prev WHERE chain = 'progress_events';
      END IF;
    END $$"""


def backdate_loads(conn, when: str) -> None:
    """Move the recorded seed-load events to ``when`` (history is append-only by trigger, and
    hash-chained: the chain is re-sealed so ``audit verify`` still holds)."""
    conn.execute(text("ALTER TABLE progress_events DISABLE TRIGGER progress_events_append_only"))
    conn.execute(text("UPDATE progress_events SET recorded_at = :at WHERE action = 'load'"), {"at": when})
    conn.execute(text(RESEAL_HISTORY_CHAIN))
    conn.execute(text("ALTER TABLE progress_events ENABLE TRIGGER progress_events_append_only"))


def test_settings(url: str, **overrides) -> Settings:
    return Settings(database_url=url, **overrides)


test_settings.__test__ = False  # a helper, not a test


@contextlib.contextmanager
def cloned_db(pg: TestCluster, template: str, prepare: Callable | None = None) -> Iterator[str]:
    """URL of a fresh copy of ``template``, dropped afterwards even when the body fails.

    ``prepare(engine)`` runs once on the copy first (demo progress, synthetic parcels ...).
    """
    name, url = pg.clone(template)
    try:
        if prepare is not None:
            engine = create_engine(url)
            try:
                prepare(engine)
            finally:
                engine.dispose()
        yield url
    finally:
        pg.drop_db(name)


@contextlib.contextmanager
def app_client(url: str, base_url: str = "http://testserver", **overrides):
    """An in-process TestClient (lifespan run) over the app for ``url`` with settings ``overrides``.

    The map pages check the Host against their CSP, so map tests pass ``base_url="http://127.0.0.1"``.
    """
    from fastapi.testclient import TestClient

    from gis_service.api.app import create_app

    with TestClient(create_app(test_settings(url, **overrides)), base_url=base_url) as client:
        yield client


@pytest.fixture
def migrated_db(pg: TestCluster, empty_template: str):
    """A fresh, migrated, empty database URL."""
    with cloned_db(pg, empty_template) as url:
        yield url


@pytest.fixture
def loaded_db(pg: TestCluster, loaded_template: str):
    """A fresh database with every plan layer loaded."""
    with cloned_db(pg, loaded_template) as url:
        yield url


@pytest.fixture
def engine_for():
    """Build engines against test URLs and dispose of them afterwards."""
    from gis_service.db.engine import make_engine

    engines = []

    def make(url: str, **settings_overrides):
        engine = make_engine(test_settings(url, **settings_overrides), pool_size=2, max_overflow=2)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


# Modules whose tests each take tens of seconds or more (per-suite timings of `make test`).
SLOW_MODULES = {
    "foundation/test_standalone.py",   # clones the repository and runs the fast subset in it
    "foundation/test_health.py",       # starts and stops a cluster of its own
    "reliability/test_backup.py",
    "reliability/test_faults.py",
    "reliability/test_load.py",
}
# Single tests of fifteen seconds or more in otherwise quick modules.
SLOW_TESTS = {
    "maps/test_static_maps.py::test_pdf_and_limits",                     # prints PDFs with Chromium
    "parcel_check/test_batch.py::test_batch_of_1000_with_10_bad_rows",
}


def _scopes(item) -> list[dict]:
    """The globals of the test's module and of every fixture it uses (how markers are found)."""
    scopes = [vars(item.module)] if getattr(item, "module", None) else []
    info = getattr(item, "_fixtureinfo", None)
    for defs in (info.name2fixturedefs.values() if info else ()):
        scopes += [getattr(d.func, "__globals__", {}) for d in defs]
    return scopes


def _kinds(item) -> set[str]:
    rel = item.path.relative_to(Path(__file__).parent).as_posix()
    kinds = set()
    if "pg" in getattr(item, "fixturenames", ()):
        kinds.add("db")
    if rel.startswith("fuzz/"):
        kinds.add("fuzz")
    if rel in SLOW_MODULES or f"{rel}::{getattr(item, 'originalname', item.name)}" in SLOW_TESTS:
        kinds.add("slow")
    scopes = _scopes(item)
    if rel.startswith("browser/") or rel.endswith("_browser.py") or any("chromium" in g for g in scopes):
        kinds.add("browser")
    if any("live_server" in g for g in scopes):
        kinds.add("live")
    return kinds


def pytest_collection_modifyitems(config, items):
    for item in items:
        for kind in sorted(_kinds(item) - {m.name for m in item.iter_markers()}):
            item.add_marker(getattr(pytest.mark, kind))


def pytest_terminal_summary(terminalreporter):
    """Per-suite wall time, so slow suites are visible as they grow."""
    totals: dict[str, float] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            nodeid = getattr(report, "nodeid", "")
            duration = getattr(report, "duration", None)
            if not nodeid.startswith("tests/") or duration is None:
                continue
            suite = nodeid.split("/")[1] if nodeid.count("/") > 1 else "tests"
            totals[suite] = totals.get(suite, 0.0) + duration
    if totals:
        terminalreporter.section("per-suite timings")
        for suite, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
            terminalreporter.write_line(f"{suite:20} {seconds:8.1f} s")
