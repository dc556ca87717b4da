"""layers/sources/: the copied sources are the ones PROVENANCE.md describes, byte for byte,
and nothing in the repository reaches outside it for them. No database needed."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess

import pytest

from gis_service.layerbuild.common import (ANCHORS_FILE, GAZETTEER_FILE, GAZETTEER_README, INVENTORY_FILE,
                                           PLAN_FILE, REPO, SOURCES_DIR, SOURCES_REL)

PROVENANCE = (SOURCES_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
ROW = re.compile(r"^\| `(?P<file>[^`]+)` \| `(?P<origin>[^`]+)` \| .+ \| `(?P<sha>[0-9a-f]{64})` \|$", re.M)
# Spelled in pieces so this file does not match itself.
OUTSIDE_PATH = "../" + "shared"
DOC_REFERENCE = re.compile(r"\bissues? #?[0-9]+|DOMAIN\.md §|§ ?[0-9]")


def _documented() -> dict[str, str]:
    return {m["file"]: m["sha"] for m in ROW.finditer(PROVENANCE)}


def test_provenance_lists_every_source_the_build_reads():
    assert set(_documented()) == {PLAN_FILE, INVENTORY_FILE, GAZETTEER_FILE, GAZETTEER_README, ANCHORS_FILE}
    assert set(_documented()) | {"PROVENANCE.md"} == {p.name for p in SOURCES_DIR.iterdir()}
    assert re.search(r"copied on \d{4}-\d{2}-\d{2}", PROVENANCE) and "unchanged" in PROVENANCE


@pytest.mark.parametrize("name", sorted(_documented()))
def test_source_is_byte_identical_to_what_was_copied(name):
    assert hashlib.sha256((SOURCES_DIR / name).read_bytes()).hexdigest() == _documented()[name]


def test_layers_cite_only_sources_that_exist_in_the_repository():
    cited = set()
    for path in [*REPO.joinpath("layers").glob("*.geojson"), REPO / "layers" / "SOURCES.md"]:
        cited |= set(re.findall(re.escape(SOURCES_REL) + r"/([\w.-]+\.(?:csv|txt|md))", path.read_text("utf-8")))
    assert {GAZETTEER_FILE, PLAN_FILE, ANCHORS_FILE} <= cited
    assert all((SOURCES_DIR / name).is_file() for name in cited), cited


def test_feature_sources_name_the_in_repo_gazetteer():
    projects = json.loads((REPO / "layers" / "projects.geojson").read_text(encoding="utf-8"))["features"]
    placed = [f for f in projects if f["properties"]["location_basis"] == "gazetteer"]
    assert placed and all(f["properties"]["source"].startswith(f"{SOURCES_REL}/{GAZETTEER_FILE}") for f in placed)


def _tracked_text_files():
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    names = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True).stdout
    for name in names.decode().split("\0"):
        path = REPO / name
        if name and path.is_file() and not name.startswith(f"{SOURCES_REL}/"):
            try:
                yield name, path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue


def test_nothing_tracked_points_outside_the_repository():
    offenders = [name for name, text in _tracked_text_files()
                 if OUTSIDE_PATH in text or "GIS_SHARED" + "_DIR" in text]
    assert offenders == []


def test_code_cites_meanings_not_documents_elsewhere():
    code_roots = ("gis_service/", "tests/", "bench/", "scripts/", "migrations/", "Makefile")
    offenders = [f"{name}: {m.group(0)}" for name, text in _tracked_text_files()
                 if name.startswith(code_roots) and not name.startswith("gis_service/static/vendor/")
                 for m in [DOC_REFERENCE.search(text)] if m]
    assert offenders == []


def test_references_to_docs_domain_name_existing_sections():
    headings = set(re.findall(r"^#{2,3} (.+)$", (REPO / "docs" / "DOMAIN.md").read_text(encoding="utf-8"), re.M))
    cited = {section.strip() for _, text in _tracked_text_files()
             for match in re.findall(r"docs/DOMAIN\.md, ([A-Z][A-Za-z -]+)", text)
             for section in match.split(" and ")}
    assert len(cited) >= 4
    assert cited - headings == set()
