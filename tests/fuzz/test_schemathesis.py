"""schemathesis against the service's own OpenAPI document (/api), every operation, writes
with an editor key and key administration with an admin key, on a throwaway database served
by a real server process. Zero 5xx, and every response matches its declared status, media type
and schema. `make fuzz` runs the long profile (GIS_FUZZ_PROFILE=long)."""
from __future__ import annotations

import os
import subprocess
import sys

import httpx

from gis_service.settings import PROJECT_ROOT

from .conftest import PROFILE
from .schemathesis_config import build_config


def test_every_operation_conforms_and_never_answers_5xx(target, tmp_path):
    collections = [c["id"] for c in httpx.get(f"{target.base}/collections").json()["collections"]]
    config = tmp_path / "schemathesis.toml"
    config.write_text(build_config(target, PROFILE, collections))
    report = tmp_path / "junit.xml"
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
               f"{target.base}/api", "--no-color", "--request-timeout", "120",
               # One worker: concurrent hypothesis lambda parsing trips CPython 3.11's ast recursion check.
               "--workers", "1", "--report", "junit", "--report-junit-path", str(report)]
    if os.environ.get("GIS_FUZZ_SEED"):
        command += ["--seed", os.environ["GIS_FUZZ_SEED"]]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=1800,
                          env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    output = done.stdout + done.stderr
    print(output[-6000:])
    summary = [line for line in output.splitlines() if "generated" in line]
    assert done.returncode == 0, (f"schemathesis found problems ({summary}); server log: {target.log_path}\n"
                                  + output[-12000:])
    assert "Tested: " in output
    operations = len(httpx.get(f"{target.base}/api").json()["paths"])
    assert operations >= 40
    assert "Traceback" not in target.log_path.read_text()
