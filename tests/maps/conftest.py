"""Map fixtures: a loaded database with the demo progress (演示数据), shared per module."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from gis_service.api.app import create_app
from gis_service.loader.demo import load_demo_progress
from gis_service.settings import PROJECT_ROOT

from ..conftest import LAYERS_DIR, test_settings

SCREENSHOTS = PROJECT_ROOT / "test-output" / "maps"


@pytest.fixture(scope="module")
def demo_url(pg, loaded_template):
    name, url = pg.clone(loaded_template)
    engine = create_engine(url)
    load_demo_progress(engine, LAYERS_DIR / "demo" / "progress.csv")
    engine.dispose()
    yield url
    pg.drop_db(name)


@pytest.fixture(scope="module")
def demo_client(demo_url):
    with TestClient(create_app(test_settings(demo_url)), base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
