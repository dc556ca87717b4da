"""Test fixtures: a real, throwaway PostgreSQL 15 + PostGIS cluster.

One cluster per test session; each test that writes gets its own database,
cloned from a migrated (or migrated + loaded) template, so tests never see
each other's state.
"""
from __future__ import annotations

import itertools
import socket
import tempfile
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


def backdate_loads(conn, when: str) -> None:
    """Move the recorded seed-load events to ``when`` (history is append-only by trigger)."""
    conn.execute(text("ALTER TABLE progress_events DISABLE TRIGGER progress_events_append_only"))
    conn.execute(text("UPDATE progress_events SET recorded_at = :at WHERE action = 'load'"), {"at": when})
    conn.execute(text("ALTER TABLE progress_events ENABLE TRIGGER progress_events_append_only"))


def test_settings(url: str, **overrides) -> Settings:
    return Settings(database_url=url, **overrides)


test_settings.__test__ = False  # a helper, not a test


@pytest.fixture
def migrated_db(pg: TestCluster, empty_template: str):
    """A fresh, migrated, empty database URL."""
    name, url = pg.clone(empty_template)
    yield url
    pg.drop_db(name)


@pytest.fixture
def loaded_db(pg: TestCluster, loaded_template: str):
    """A fresh database with every plan layer loaded."""
    name, url = pg.clone(loaded_template)
    yield url
    pg.drop_db(name)


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
