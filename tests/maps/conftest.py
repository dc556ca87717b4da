"""Map fixtures: a loaded database with the demo progress (演示数据), shared per module."""
from __future__ import annotations

import pytest

from gis_service.loader.demo import load_demo_progress
from gis_service.settings import PROJECT_ROOT

from ..conftest import LAYERS_DIR, app_client, cloned_db

SCREENSHOTS = PROJECT_ROOT / "test-output" / "maps"
MAP_BASE_URL = "http://127.0.0.1"  # the map pages' CSP names the host they are served from


@pytest.fixture(scope="module")
def demo_url(pg, loaded_template):
    with cloned_db(pg, loaded_template,
                   prepare=lambda engine: load_demo_progress(engine, LAYERS_DIR / "demo" / "progress.csv")) as url:
        yield url


@pytest.fixture(scope="module")
def demo_client(demo_url):
    with app_client(demo_url, base_url=MAP_BASE_URL) as client:
        yield client


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
