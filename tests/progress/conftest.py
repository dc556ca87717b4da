"""Progress fixtures: a writable loaded database per test, keys of each role, and a client."""
from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import create_engine, text

from gis_service.auth.keys import create_key

from ..conftest import app_client


@pytest.fixture
def keys(loaded_db):
    """One key per role, created the way the CLI does."""
    engine = create_engine(loaded_db)
    with engine.begin() as conn:
        made = {role: create_key(conn, f"{role}-1", role, created_by="test")[0]
                for role in ("viewer", "editor", "admin")}
    engine.dispose()
    return made


@pytest.fixture
def make_client(loaded_db, tmp_path):
    """``make(**settings)``: an app client over this test's database, closed after the test."""
    with contextlib.ExitStack() as stack:
        def make(**overrides):
            overrides.setdefault("upload_dir", tmp_path / "uploads")
            return stack.enter_context(app_client(loaded_db, **overrides))

        yield make


@pytest.fixture
def db(loaded_db):
    """Run one SQL statement against the test database (for checks behind the API's back)."""
    engine = create_engine(loaded_db)

    def run(sql: str, **params):
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return result.all() if result.returns_rows else None

    yield run
    engine.dispose()


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}
