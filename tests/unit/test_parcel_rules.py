"""The parcel-check rule tables, without a database: the code's tables against the
documented ones in docs/DOMAIN.md (read independently here), and the pure decisions
built on them (severity per use, worst-of, verdicts, boundary touches, input limits)."""
from __future__ import annotations

import re

import pytest
import yaml

from gis_service import crs
from gis_service.errors import GisError
from gis_service.services.parcel_check import rules
from gis_service.services.parcel_check.geometry_input import count_vertices, parse_parcels
from gis_service.services.parcel_check.report import M2_PER_MU, is_boundary_touch
from gis_service.settings import PROJECT_ROOT

DOMAIN = (PROJECT_ROOT / "docs" / "DOMAIN.md").read_text(encoding="utf-8")
MANIFEST = yaml.safe_load((PROJECT_ROOT / "layers" / "manifest.yml").read_text(encoding="utf-8"))
# The matrix's layer columns, in the order docs/DOMAIN.md prints them.
COLUMNS = ("optimized", "key", "restricted", "prohibited", "forest_park")
SQUARE = {"type": "Polygon", "coordinates": [[[112.85, 35.50], [112.852, 35.50], [112.852, 35.5015],
                                              [112.85, 35.5015], [112.85, 35.50]]]}


def doc_table(heading: str) -> list[list[str]]:
    """Body rows of the first Markdown table under ``heading`` in docs/DOMAIN.md."""
    section = DOMAIN.split(heading + "\n", 1)[1]
    rows = []
    for line in section.splitlines():
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
        elif rows:
            break
    return rows[2:]   # drop the header and the |---| line


def documented_matrix() -> dict[str, dict[str, str]]:
    return {row[0].split(" ")[0]: dict(zip(COLUMNS, row[1:])) for row in doc_table("### Proposed-use matrix")}


def test_use_matrix_is_the_documented_one():
    assert rules.USE_MATRIX == documented_matrix()
    assert set(rules.USES) == set(rules.USE_MATRIX)


def test_default_severities_are_the_rule_tables():
    defaults = {row[0]: row[2].split(" ")[0] for row in doc_table("### Rule table")}
    assert rules.DEFAULT_SEVERITY == {
        "optimized": defaults["优化开发区"], "key": defaults["重点开发区"],
        "restricted": defaults["限制开发区 (ecological)"], "prohibited": defaults["禁止开发区"],
        "forest_park": next(v for k, v in defaults.items() if k.startswith("Forest park"))}


def test_every_severity_is_ranked_in_the_documented_order():
    assert rules.SEVERITIES == ("ok", "info", "review", "conflict")
    every = {s for row in rules.USE_MATRIX.values() for s in row.values()} | set(rules.DEFAULT_SEVERITY.values())
    assert every <= set(rules.SEVERITIES)


def test_zone_rules_cover_exactly_the_manifest_zone_classes():
    zones = next(c for c in MANIFEST["collections"] if c["id"] == "function_zones")
    assert set(rules.ZONE_RULES) == set(zones["classes"])
    for name, rule in {**rules.ZONE_RULES, **rules.SITE_RULES}.items():
        assert rule.rule_zh and rule.rule_en and rule.basis, name
        assert rule.column is None or rule.column in COLUMNS, name


@pytest.mark.parametrize("use", sorted(rules.USE_MATRIX))
@pytest.mark.parametrize("zone", sorted(rules.ZONE_RULES))
def test_severity_for_a_zone_and_use_reads_the_matrix(zone, use):
    assert rules.severity_for(rules.ZONE_RULES[zone], use) == documented_matrix()[use][zone]


def test_severity_without_a_use_is_the_default_and_fixed_rules_stay_info():
    assert rules.severity_for(rules.ZONE_RULES["prohibited"], None) == "conflict"
    assert rules.severity_for(rules.SITE_RULES["forest_park"], None) == "review"
    assert rules.severity_for(rules.SITE_RULES["urban_village"], "industrial") == "info"
    assert rules.severity_for(rules.SITE_RULES["eco_restoration"], None) == "info"
    # The reservoir's water is a potential grade-1 protection zone: the prohibited column.
    assert rules.severity_for(rules.SITE_RULES["reservoir"], "residential") == "conflict"


@pytest.mark.parametrize("column", COLUMNS)
def test_uses_that_change_are_the_matrix_cells_off_the_default(column):
    rule = next(r for r in (*rules.ZONE_RULES.values(), *rules.SITE_RULES.values()) if r.column == column)
    default = rules.DEFAULT_SEVERITY[column]
    expected = {use: row[column] for use, row in documented_matrix().items() if row[column] != default}
    assert rules.uses_that_change(rule) == expected
    assert rules.uses_that_change(rules.SITE_RULES["urban_village"]) == {}


def test_restricted_zone_turns_conflict_for_industry_and_real_estate():
    changes = rules.uses_that_change(rules.ZONE_RULES["restricted"])
    assert {u for u, s in changes.items() if s == "conflict"} == {"residential", "commercial", "industrial"}


@pytest.mark.parametrize("severities, expected", [
    ([], "ok"), (["ok"], "ok"), (["info", "ok"], "info"), (["review", "info"], "review"),
    (["ok", "conflict", "review"], "conflict"), (iter(["review", "review"]), "review"),
])
def test_worst_is_the_maximum_severity(severities, expected):
    assert rules.worst(severities) == expected


def test_verdicts_follow_the_documented_mapping():
    assert {s: rules.VERDICTS[v][0] for s, v in rules.VERDICT_BY_SEVERITY.items()} == {
        "ok": "符合", "info": "符合", "review": "需论证", "conflict": "不符合"}
    assert rules.VERDICTS["outside"][0] == "超出规划范围"
    assert "初筛" in rules.DISCLAIMER_ZH and "not a statutory" in rules.DISCLAIMER_EN


def test_screening_buffers_are_the_documented_distances():
    ranges = {b.kind: (b.low_m, b.high_m) for group in rules.BUFFERS.values() for b in group}
    assert ranges == {"zoned_reservoir": (0, 2000), "reservoir": (0, 2000), "zoned_river": (0, 50),
                      "river": (0, 10), "river_setback": (10, 50), "forest_park": (0, 500),
                      "restricted_zone": (0, 500)}
    documented = doc_table("### Screening buffers")
    assert any("0 – 2 km" in row[1] for row in documented) and any("≤ 500 m" in row[1] for row in documented)
    for group in rules.BUFFERS.values():
        for buffer in group:
            assert 0 <= buffer.low_m < buffer.high_m and buffer.rule_zh and buffer.rule_en and buffer.basis


@pytest.mark.parametrize("overlap, parcel, touch", [
    (0.99, 10.0, True),            # under 1 m² is always a touch
    (1.0, 10.0, False),
    (99.0, 100_000.0, True),       # under 0.1 % (100 m²) and under 100 m²
    (99.0, 50_000.0, False),       # 0.198 %: a real hit
    (150.0, 1_000_000.0, False),   # 0.015 % but over 100 m²
])
def test_boundary_touch_threshold(overlap, parcel, touch):
    assert is_boundary_touch(overlap, parcel) is touch


def test_mu_conversion_is_the_documented_one():
    documented = float(re.search(r"1 亩 = ([\d.]+) m²", DOMAIN).group(1))
    assert M2_PER_MU == pytest.approx(documented, abs=0.005)


def test_count_vertices_counts_every_position():
    assert count_vertices(SQUARE) == 5
    multi = {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"], SQUARE["coordinates"]]}
    assert count_vertices(multi) == 10
    assert count_vertices({"type": "Point", "coordinates": [1.0, 2.0]}) == 1
    assert count_vertices(None) == 0


def _parse(document, **limits):
    options = dict(repair=False, max_parcels=10, max_vertices=1000) | limits
    return parse_parcels(document, crs.parse_crs(None), **options)


def test_parse_parcels_keeps_a_valid_square_in_storage_coordinates():
    (parcel,) = _parse(SQUARE)
    assert parcel.geometry.geom_type == "Polygon" and parcel.crs_label == "CRS84"
    assert parcel.geometry.bounds == pytest.approx((112.85, 35.50, 112.852, 35.5015))


@pytest.mark.parametrize("limits, detail_key", [({"max_vertices": 4}, "vertices"), ({"max_parcels": 0}, "count")])
def test_parse_parcels_refuses_over_the_limits_with_413(limits, detail_key):
    with pytest.raises(GisError) as caught:
        _parse(SQUARE, **limits)
    assert caught.value.status == 413 and detail_key in caught.value.detail


def test_parse_parcels_refuses_a_self_intersecting_ring_unless_repair():
    bow = {"type": "Polygon", "coordinates": [[[112.85, 35.50], [112.852, 35.5015], [112.852, 35.50],
                                               [112.85, 35.5015], [112.85, 35.50]]]}
    with pytest.raises(GisError) as caught:
        _parse(bow)
    assert caught.value.status in (400, 422) and caught.value.message_zh
    (repaired,) = _parse(bow, repair=True)
    assert repaired.repair_reason and "Self-intersection" in repaired.repair_reason


def test_parse_parcels_refuses_a_line_and_names_the_feature():
    line = {"type": "LineString", "coordinates": [[112.85, 35.5], [112.86, 35.5]]}
    with pytest.raises(GisError) as caught:
        _parse(line)
    assert caught.value.detail["feature"] == 1 and caught.value.detail["geometry_type"] == "LineString"
