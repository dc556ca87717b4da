"""Indicator trajectories over the real 表2 rows (layers/indicators.csv, read by the loader's
own reader), without a database: where the plan's path starts and ends, and the status an
actual on, off or past that path gets. Hand-computed single cases are in
tests/progress/test_indicators.py."""
from __future__ import annotations

import pytest

from gis_service.loader.indicators import read_indicators
from gis_service.services.progress.indicators import (BASE_YEAR, TARGET_YEAR, annual_rate, expected_value,
                                                      indicator_status, sparkline_svg)
from gis_service.settings import PROJECT_ROOT

ROWS = read_indicators(PROJECT_ROOT / "layers" / "indicators.csv")
NUMERIC = [r for r in ROWS if r["target_kind"] == "numeric" and r["target_value"] is not None]
# Rows whose own numbers have the plan's path heading towards its target.
PATHED = [r for r in NUMERIC if r["direction"] == "increase" and r["value_2015_num"] is not None
          and r["target_value"] > r["value_2015_num"]]
CAPS = [r for r in NUMERIC if r["direction"] == "cap"]
# 城镇常住居民人均可支配收入: 28 484 × 1.07⁵ = 39 950, but the plan's 2020 target is 37 869.
PLAN_RATE_DISAGREES_WITH_TARGET = {"25"}


def status(row: dict, actuals: dict, manual: str | None = None):
    return indicator_status(target_kind=row["target_kind"], direction=row["direction"], target_op=row["target_op"],
                            target=row["target_value"], baseline=row["value_2015_num"],
                            rate_text=row["annual_rate"], actuals=actuals, manual=manual)


def path(row: dict, year: int) -> float:
    return expected_value(row["value_2015_num"], row["target_value"], annual_rate(row["annual_rate"]), year,
                          row["direction"])


def ids(rows):
    return [r["code"] for r in rows]


def test_the_rows_the_trajectories_cover():
    assert len(PATHED) >= 25 and len(CAPS) == 3
    assert {r["code"] for r in ROWS if r["target_kind"] == "text"} >= {"12", "13", "24"}


@pytest.mark.parametrize("row", PATHED, ids=ids(PATHED))
def test_path_starts_at_the_2015_baseline(row):
    assert path(row, BASE_YEAR) == pytest.approx(row["value_2015_num"])


def test_compounded_rates_reach_the_plan_targets():
    """Where the plan gives a plain rate, five years of it reach the 2020 target (±0.5 %)."""
    rated = [r for r in PATHED if annual_rate(r["annual_rate"]) is not None]
    off = {r["code"] for r in rated if abs(path(r, TARGET_YEAR) / r["target_value"] - 1) > 0.005}
    assert len(rated) >= 20
    assert off == PLAN_RATE_DISAGREES_WITH_TARGET


@pytest.mark.parametrize("row", [r for r in PATHED if annual_rate(r["annual_rate"]) is None],
                         ids=lambda r: r["code"])
def test_straight_line_path_ends_on_the_target(row):
    assert path(row, TARGET_YEAR) == pytest.approx(row["target_value"])
    assert path(row, BASE_YEAR) < path(row, 2017) < path(row, TARGET_YEAR)


@pytest.mark.parametrize("row", PATHED, ids=ids(PATHED))
def test_on_the_path_is_on_track_and_below_it_is_behind(row):
    on_path = path(row, 2017)
    got, expected = status(row, {2017: on_path})
    assert got == "on_track" and expected == pytest.approx(on_path, abs=1e-4)
    assert status(row, {2017: on_path * 0.99})[0] == "behind"
    # The latest year counts, not the best.
    assert status(row, {2016: row["target_value"] * 2, 2017: on_path * 0.99})[0] == "behind"


@pytest.mark.parametrize("row", PATHED, ids=ids(PATHED))
def test_meeting_the_target_early_is_achieved_and_missing_it_in_2020_is_behind(row):
    target, op = row["target_value"], row["target_op"]
    reached = target * 1.001 if op == ">" else target
    assert status(row, {2018: reached}) == ("achieved", None)
    assert status(row, {TARGET_YEAR: target * 0.999}) == ("behind", None)


@pytest.mark.parametrize("row", CAPS, ids=ids(CAPS))
def test_caps_are_on_track_inside_achieved_from_2020_and_behind_above(row):
    cap = row["target_value"]
    assert status(row, {2018: cap / 2}) == ("on_track", None)
    assert status(row, {TARGET_YEAR: cap / 2}) == ("achieved", None)
    assert status(row, {2018: cap * 1.5}) == ("behind", None)
    strict = row["target_op"] == "<"
    assert status(row, {2018: cap})[0] == ("behind" if strict else "on_track")


def test_no_actuals_or_no_baseline_is_no_data_never_a_guess():
    for row in NUMERIC:
        assert status(row, {}) == ("no_data", None)
        assert status(row, {2018: None}) == ("no_data", None)
    unbased = [r for r in NUMERIC if r["value_2015_num"] is None and r["direction"] == "increase"]
    assert unbased, "表2 has numeric targets without a 2015 value"
    for row in unbased:
        assert status(row, {2018: row["target_value"] * 0.5}) == ("no_data", None)


def test_textual_targets_take_only_the_manual_status():
    for row in (r for r in ROWS if r["target_kind"] == "text"):
        assert status(row, {2018: 1.0}) == ("no_data", None)
        assert status(row, {2018: 1.0}, manual="behind") == ("behind", None)


def _item(row: dict, actuals: list[tuple[int, float]]) -> dict:
    return {"value_2015_num": row["value_2015_num"], "target_value": row["target_value"],
            "actuals": [{"year": y, "value": v} for y, v in actuals]}


def test_sparkline_draws_baseline_actuals_and_the_dashed_target():
    gdp = next(r for r in ROWS if r["code"] == "1")
    svg = sparkline_svg(_item(gdp, [(2016, 255.0), (2017, 270.0)]))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<circle") == 3                    # 2015 baseline + two actuals
    assert "stroke-dasharray" in svg                     # the 2020 target line
    points = svg.split('points="')[1].split('"')[0].split()
    xs = [float(p.split(",")[0]) for p in points]
    ys = [float(p.split(",")[1]) for p in points]
    assert xs == sorted(xs) and ys == sorted(ys, reverse=True)   # rising values draw upwards


def test_sparkline_is_empty_with_fewer_than_two_values():
    lonely = {"value_2015_num": None, "target_value": None, "actuals": [{"year": 2017, "value": 3.0}]}
    assert sparkline_svg(lonely) == ""


def test_sparkline_draws_nothing_without_a_recorded_actual():
    """Baseline and target alone are no trend: no line and no dot (the page says 无数据)."""
    gdp = next(r for r in ROWS if r["code"] == "1")
    assert gdp["value_2015_num"] is not None and gdp["target_value"] is not None
    assert sparkline_svg(_item(gdp, [])) == ""
    assert sparkline_svg({**_item(gdp, []), "actuals": [{"year": 2018, "value": None}]}) == ""
    assert sparkline_svg(_item(gdp, [(2018, 280.0)])).count("<circle") == 2
