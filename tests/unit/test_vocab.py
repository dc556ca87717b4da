"""The vocabulary without a database: groups, colours, the codes the tables accept, titles."""
from __future__ import annotations

import re

import yaml

from gis_service import vocab
from gis_service.db import models
from gis_service.settings import PROJECT_ROOT


def test_every_status_has_labels_a_colour_and_one_of_the_groups():
    for vocabulary in (vocab.PROJECT_STATUS, vocab.VILLAGE_STATUS):
        assert next(iter(vocabulary)) == "unknown"  # the default comes first, as the forms list it
        for code, status in vocabulary.items():
            assert status.zh and status.en and re.fullmatch(r"#[0-9A-F]{6}", status.colour), code
            assert status.group in vocab.STATUS_GROUPS, code
        assert vocabulary["unknown"].group == vocab.UNKNOWN


def test_finished_and_suspended_groups():
    assert vocab.codes_in_group(vocab.FINISHED, "projects") == {"completed", "operating"}
    assert vocab.codes_in_group(vocab.FINISHED, "urban_village_sites") == {"done"}
    assert vocab.codes_in_group(vocab.FINISHED) == {"completed", "operating", "done"}
    assert vocab.codes_in_group(vocab.SUSPENDED) == {"suspended"}
    assert vocab.is_finished("ecology_sites", "completed") and not vocab.is_finished("projects", "done")


def test_tables_accept_exactly_the_vocabulary():
    assert models.PROJECT_STATUSES == tuple(vocab.PROJECT_STATUS)
    assert models.VILLAGE_STATUSES == tuple(vocab.VILLAGE_STATUS)
    for cid in models.PROGRESS_COLLECTIONS:
        assert models.PLAN_MODELS[cid].__statuses__ == vocab.status_codes(cid), cid


def test_titles_are_the_manifests():
    raw = yaml.safe_load((PROJECT_ROOT / "layers" / "manifest.yml").read_text("utf-8"))
    for entry in raw["collections"]:
        assert vocab.collection_title(entry["id"]) == entry["title"]["zh"]
        assert vocab.collection_title(entry["id"], "en") == entry["title"]["en"]
        assert vocab.bilingual_title(entry["id"]) == f"{entry['title']['zh']} {entry['title']['en']}"
    assert vocab.collection_title("my_survey") == "my_survey"  # a user layer reads as its id


def test_labels():
    assert vocab.status_label("urban_village_sites", "done") == "完成/销号"
    assert vocab.status_label("projects", None, "en") == "unknown"
    assert vocab.status_colour("projects", "nonsense") == vocab.PROJECT_STATUS["unknown"].colour
    assert vocab.class_label("zone_class", "prohibited") == "禁止开发区"
    assert vocab.class_label("category", "health") == "医疗卫生"
    assert vocab.class_label("category", "reservoir") == "水库"  # an ecology site's styled class
    assert vocab.class_label("category", "nonsense") == "nonsense"  # no invented label
