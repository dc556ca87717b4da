"""Shapefile field names: ≤10 bytes, unique, deterministic, never half a character."""
from __future__ import annotations

import pytest

from gis_service.errors import InvalidInput
from gis_service.services.exports import shapefile_field_names

CODECS = {"GBK": "gbk", "UTF-8": "utf-8"}
COLUMNS = [
    "id", "name", "name_en", "geometry_quality", "location_basis", "percent_complete",
    "progress_note", "description_zh", "description_en", "description", "Descriptio",
    "规划项目名称说明", "规划项目名称备注", "项目", "名称name", "abcdefgh名", "😀名称", "NAME",
]


@pytest.mark.parametrize("encoding", ["GBK", "UTF-8"])
def test_mapping_fits_is_unique_and_deterministic(encoding):
    codec = CODECS[encoding]
    mapping = shapefile_field_names(COLUMNS, encoding)
    assert list(mapping) == COLUMNS
    assert mapping == shapefile_field_names(list(COLUMNS), encoding)
    shortened = list(mapping.values())
    assert all(0 < len(name.encode(codec)) <= 10 for name in shortened)
    assert len({name.casefold() for name in shortened}) == len(shortened)  # DBF ignores case
    for original, short in mapping.items():
        stem = short.rsplit("_", 1)[0] if short not in original else short
        # A prefix of whole characters: re-encoding round-trips and the original starts with it.
        assert short.encode(codec).decode(codec) == short
        assert original.startswith(stem) or original.replace("😀", "_").startswith(stem)


def test_ascii_names_truncate_then_take_numeric_suffixes():
    mapping = shapefile_field_names(COLUMNS, "UTF-8")
    assert mapping["id"] == "id" and mapping["name_en"] == "name_en"
    assert mapping["geometry_quality"] == "geometry_q"
    assert mapping["percent_complete"] == "percent_co"
    # "Descriptio" already fits, so it keeps its name and the long ones number after it.
    assert mapping["Descriptio"] == "Descriptio"
    assert [mapping[c] for c in ("description_zh", "description_en", "description")] == [
        "descript_1", "descript_2", "descript_3"]
    assert mapping["NAME"] == "NAME_1"  # "name" came first; DBF names are case-insensitive


def test_chinese_names_count_bytes_in_the_chosen_encoding():
    gbk = shapefile_field_names(COLUMNS, "GBK")
    utf8 = shapefile_field_names(COLUMNS, "UTF-8")
    assert gbk["规划项目名称说明"] == "规划项目名"  # 5 × 2 bytes
    assert gbk["规划项目名称备注"] == "规划项目_1"  # 4 × 2 + "_1"
    assert utf8["规划项目名称说明"] == "规划项"  # 3 × 3 bytes
    assert utf8["规划项目名称备注"] == "规划_1"  # 2 × 3 + "_1"
    assert gbk["项目"] == utf8["项目"] == "项目"
    assert utf8["名称name"] == "名称name"  # exactly 10 bytes
    assert gbk["abcdefgh名"] == "abcdefgh名" and utf8["abcdefgh名"] == "abcdefgh"
    assert gbk["😀名称"] == "_名称"  # GBK has no emoji


def test_mapping_accepts_encoding_aliases_and_rejects_others():
    assert shapefile_field_names(["规划项目名称"], "gbk") == {"规划项目名称": "规划项目名"}
    assert shapefile_field_names(["规划项目名称"], "utf8") == {"规划项目名称": "规划项"}
    with pytest.raises(InvalidInput):
        shapefile_field_names(["a"], "Big5")
