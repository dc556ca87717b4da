"""Status vocabularies and house colours against docs/DOMAIN.md, without a database.

Kept small and to public functions: the vocabulary is one module's job, and these
tests should survive it moving."""
from __future__ import annotations

import re

import pytest

from gis_service import vocab
from gis_service.maps.styles import rate_colour, rate_legend
from gis_service.services.progress.vocab import editable_fields
from gis_service.settings import PROJECT_ROOT

DOMAIN = (PROJECT_ROOT / "docs" / "DOMAIN.md").read_text(encoding="utf-8")


def documented(heading_start: str) -> dict[str, tuple[str, str]]:
    """code -> (中文, colour) from the table after the paragraph starting ``heading_start``."""
    section = DOMAIN.split(heading_start, 1)[1]
    rows = re.findall(r"^\| (\w+) \| ([^|(]+?)(?: \([^|]*\))? \| (#[0-9A-F]{6}) \|$", section, re.M)
    table = {}
    for code, zh, colour in rows:
        if code in table:      # the next table has begun
            break
        table[code] = (zh, colour)
    return table


PROJECT = documented("Projects (专栏1/2/3/6/7/8)")
VILLAGE = documented("Urban-village redevelopment (城中村改造, 专栏8)")


def test_documented_tables_read():
    assert len(PROJECT) == 8 and len(VILLAGE) == 8 and "suspended" in PROJECT and "done" in VILLAGE


@pytest.mark.parametrize("collection, table", [
    ("projects", PROJECT), ("ecology_sites", PROJECT), ("green_corridors", PROJECT), ("urban_village_sites", VILLAGE)])
def test_stage_labels_and_colours_are_the_documented_ones(collection, table):
    assert {code: (s.zh, s.colour) for code, s in vocab.statuses(collection).items()} == table
    assert {code: vocab.status_colour(collection, code) for code in table} == {c: v[1] for c, v in table.items()}


def test_missing_or_unknown_status_draws_as_unknown():
    grey = PROJECT["unknown"][1]
    assert vocab.status_colour("projects", None) == grey
    assert vocab.status_colour("urban_village_sites", "not-a-stage") == grey
    assert list(vocab.all_status_codes()) == list(dict.fromkeys([*PROJECT, *VILLAGE]))


def test_finished_stages_are_completion_not_progress():
    finished = vocab.codes_in_group(vocab.FINISHED)
    assert finished == {"completed", "operating", "done"}
    assert not finished & {"ongoing", "new_start", "demolition", "returning", "unknown"}


@pytest.mark.parametrize("rate, colour", [
    (None, "#BDBDBD"), (0.0, "#E8F5E9"), (0.2, "#E8F5E9"), (0.2001, "#A5D6A7"), (0.5, "#66BB6A"),
    (0.8, "#388E3C"), (1.0, "#1B5E20")])
def test_completion_rate_classes_are_inclusive_upper_bounds(rate, colour):
    assert rate_colour(rate) == colour


def test_rate_legend_covers_0_to_100_then_no_data():
    labels = [label for label, _ in rate_legend()]
    assert labels[0].startswith("0–20") and labels[-2].startswith("80–100") and "no data" in labels[-1]
    assert [c for _, c in rate_legend()][:-1] == [rate_colour(b) for b in (0.2, 0.4, 0.6, 0.8, 1.0)]


def test_village_metrics_are_editable_only_on_villages():
    village_only = {"signing_rate", "vacated_rate", "demolished_area_m2"}
    assert village_only <= {f.name for f in editable_fields("urban_village_sites")}
    assert not village_only & {f.name for f in editable_fields("projects")}
