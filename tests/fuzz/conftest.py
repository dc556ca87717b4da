"""A live server on a throwaway loaded database, with an editor and an admin key, a stored
parcel report and a batch job, shared by the fuzz modules (one per module)."""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from gis_service.auth.keys import create_key

from ..conftest import cloned_db
from ..live import live_server

# "ci" in make test; "long" in make fuzz (more examples, slow endpoints in full).
PROFILE = os.environ.get("GIS_FUZZ_PROFILE", "ci")
SQUARE = {"type": "Polygon", "coordinates": [[[112.85, 35.50], [112.852, 35.50], [112.852, 35.5015],
                                              [112.85, 35.5015], [112.85, 35.50]]]}
# Small caps for the hostile server, so oversize cases stay cheap to send.
HOSTILE_ENV = {"GIS_MAX_BODY_BYTES": str(16 * 1024**2), "GIS_PARCEL_BATCH_MAX_BYTES": str(8 * 1024**2),
               "GIS_MAX_PHOTO_BYTES": str(1024**2)}


@dataclass
class Target:
    base: str
    url: str
    editor: str
    admin: str
    report_id: str
    job_id: str
    feature_ids: list[str]
    village_id: str
    upload_dir: Path
    log_path: Path

    def headers(self, role: str = "editor") -> dict:
        return {"Authorization": f"Bearer {self.admin if role == 'admin' else self.editor}"}


def _wait_for_job(base: str, job_id: str, headers: dict) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if httpx.get(f"{base}/jobs/{job_id}", headers=headers).json()["state"] in ("succeeded", "failed"):
            return
        time.sleep(0.3)


@pytest.fixture(scope="module")
def target(request, pg, loaded_template, tmp_path_factory):
    with cloned_db(pg, loaded_template) as url:
        engine = create_engine(url)
        with engine.begin() as conn:
            editor = create_key(conn, "fuzz-editor", "editor")[0]
            admin = create_key(conn, "fuzz-admin", "admin")[0]
            ids = list(conn.execute(text("SELECT id FROM projects WHERE NOT retired ORDER BY id LIMIT 4")).scalars())
            village = conn.execute(text("SELECT min(id) FROM urban_village_sites")).scalar()
        engine.dispose()
        work = tmp_path_factory.mktemp("fuzz")
        env = {"GIS_WRITES_PER_MINUTE": "0", "GIS_BATCHES_PER_HOUR": "0", "GIS_REQUIRE_IF_MATCH": "false",
               "GIS_UPLOAD_DIR": str(work / "uploads"), **getattr(request.module, "SERVER_ENV", {})}
        with live_server(url, log_path=work / "server.log", **env) as base:
            auth = {"Authorization": f"Bearer {editor}"}
            report = httpx.post(f"{base}/analysis/parcel-check", json=SQUARE, headers=auth, timeout=60).json()
            collection = {"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {"code": "A1"}, "geometry": SQUARE}]}
            job = httpx.post(f"{base}/analysis/parcel-check/batch", headers=auth, timeout=60,
                             files={"file": ("p.geojson", json.dumps(collection).encode(), "application/geo+json")})
            _wait_for_job(base, job.json()["id"], auth)
            yield Target(base, url, editor, admin, report["id"], job.json()["id"], ids, village, work / "uploads",
                         work / "server.log")
