"""The repository stands on its own: a clone of the committed HEAD into an empty folder,
with nothing beside it, rebuilds layers/ byte for byte and passes the fast test subset.

The clone reuses what ``make setup`` produced here (this venv's Python and the npm assets,
which are gitignored build products); everything else comes from the clone. With the
clone as the working directory, ``python -m`` imports the clone's ``gis_service``.

To stay near two minutes the clone runs the fast subset's database-free tests from every
suite, and the fast database tests of the suites that read repository files by path
(tests/layers: the clone's layers/ loaded into PostGIS; tests/foundation: its CLI, loader
and migrations). The other fast database tests exercise the same code over the same data.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gis_service.settings import PROJECT_ROOT

BUILD_TIMEOUT_S = 300
FAST_TIMEOUT_S = 900


def _fast_marker_expression() -> str:
    """The `make test-fast` selection, read from the Makefile (its one definition)."""
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    return re.search(r"^FAST := (.+)$", makefile, re.M).group(1).strip()


def _clean_env() -> dict[str, str]:
    # Nothing of this process's configuration may leak into the clone's run.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIS_", "PYTEST_", "PYTHONPATH"))}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1"}


def _run(args: list[str], cwd: Path, env: dict, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, timeout=timeout, capture_output=True, text=True)


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> tuple[Path, dict]:
    if shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    root = tmp_path_factory.mktemp("standalone")
    repo = root / "repo"
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, check=True, capture_output=True,
                          text=True).stdout.strip()
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(PROJECT_ROOT), str(repo)], check=True)
    subprocess.run(["git", "checkout", "--quiet", head], cwd=repo, check=True)
    vendor = PROJECT_ROOT / "gis_service" / "static" / "vendor"
    if vendor.is_dir():  # `make setup`'s npm step; gitignored, so not in the clone
        shutil.copytree(vendor, repo / "gis_service" / "static" / "vendor", symlinks=True)
    assert sorted(p.name for p in root.iterdir()) == ["repo"], "nothing may sit beside the clone"
    env = _clean_env()
    where = _run([sys.executable, "-c", "import gis_service; print(gis_service.__file__)"], repo, env, 60)
    assert Path(where.stdout.strip()).is_relative_to(repo), where.stdout + where.stderr
    return repo, env


# Files in layers/ that are inputs, not build output: the vendored sources, and the demo stage
# plans (演示数据), written by hand for the supervision pages and loaded only with --demo.
NOT_BUILT = {"demo/stages.csv"}


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "sources" not in p.relative_to(folder).parts
            and p.relative_to(folder).as_posix() not in NOT_BUILT}


def test_clone_rebuilds_layers_byte_identically(clone, tmp_path):
    repo, env = clone
    out = tmp_path / "built"
    result = _run([sys.executable, "-m", "gis_service.layerbuild", "--out", str(out)], repo, env, BUILD_TIMEOUT_S)
    assert result.returncode == 0, result.stdout + result.stderr
    built, committed = _files(out), _files(repo / "layers")
    assert built.keys() == committed.keys() and len(built) >= 14
    assert [name for name in built if built[name] != committed[name]] == []


def _pytest_in(repo: Path, env: dict, name: str, marks: str, *paths: str) -> tuple[int, int]:
    report = repo.parent / f"{name}.xml"
    args = [sys.executable, "-m", "pytest", "-m", marks, "-q", "-p", "no:cacheprovider", "-o", "addopts=",
            "--junit-xml", str(report), *paths]
    result = _run(args, repo, env, FAST_TIMEOUT_S)
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
    assert result.returncode == 0, tail
    summary = report.read_text(encoding="utf-8")
    return tuple(int(re.search(rf'{key}="(\d+)"', summary).group(1)) for key in ("tests", "skipped"))


def test_clone_passes_the_fast_database_free_tests(clone):
    repo, env = clone
    tests, skipped = _pytest_in(repo, env, "pure", f"({_fast_marker_expression()}) and not db")
    assert tests >= 400 and skipped <= 2   # the subset really ran, not collected away


def test_clone_passes_the_fast_tests_that_read_repository_files(clone):
    repo, env = clone
    tests, skipped = _pytest_in(repo, env, "files", _fast_marker_expression(), "tests/layers", "tests/foundation")
    assert tests >= 80 and skipped <= 2
