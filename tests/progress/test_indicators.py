"""Indicator status against hand-computed cases, and the /indicators API and page."""
from __future__ import annotations

import pytest

from gis_service.services.progress.indicators import annual_rate, expected_value, indicator_status

from .conftest import bearer

GDP = dict(target_kind="numeric", direction="increase", target_op="=", target=328.74, baseline=239.94,
           rate_text="6.5%")
CPI = dict(target_kind="numeric", direction="cap", target_op="<", target=3.0, baseline=0.8, rate_text="控制在3%以内")
GOOD_AIR = dict(target_kind="numeric", direction="increase", target_op=">", target=75.0, baseline=73.2, rate_text="")


def test_rate_and_path_by_hand():
    assert annual_rate("6.5%") == 0.065 and annual_rate("控制在3%以内") is None and annual_rate("[15.0]左右") is None
    # 239.94 × 1.065² = 239.94 × 1.134225 = 272.1459…
    assert expected_value(239.94, 328.74, 0.065, 2017, "increase") == pytest.approx(272.1459, abs=1e-3)
    # Straight line 73.2 → 75 over five years: 73.2 + 1.8 × 3/5 = 74.28 in 2018.
    assert expected_value(73.2, 75, None, 2018, "increase") == pytest.approx(74.28)
    # Decreasing at 10 % a year from 100: 81 after two years.
    assert expected_value(100, 50, 0.10, 2017, "decrease") == pytest.approx(81.0)


@pytest.mark.parametrize("case, actuals, expected", [
    (GDP, {}, ("no_data", None)),
    (GDP, {2017: 275.0}, ("on_track", 272.1459)),          # 275 ≥ 272.15
    (GDP, {2017: 270.0}, ("behind", 272.1459)),            # 270 < 272.15
    (GDP, {2016: 300.0, 2017: 270.0}, ("behind", 272.1459)),  # the latest year counts
    (GDP, {2019: 330.0}, ("achieved", None)),              # target met early
    (GDP, {2020: 320.0}, ("behind", None)),                # 2020 reached, target missed
    (CPI, {2018: 2.1}, ("on_track", None)),                # within the cap before 2020
    (CPI, {2020: 2.5}, ("achieved", None)),
    (CPI, {2019: 3.2}, ("behind", None)),
    (GOOD_AIR, {2018: 74.5}, ("on_track", 74.28)),         # ≥ 74.28 on the straight line
    (GOOD_AIR, {2018: 74.0}, ("behind", 74.28)),
    (GOOD_AIR, {2020: 75.0}, ("behind", None)),            # target is strictly greater than 75
    (GOOD_AIR, {2020: 75.1}, ("achieved", None)),
])
def test_status_by_hand(case, actuals, expected):
    status, path = indicator_status(**case, actuals=actuals)
    assert status == expected[0]
    assert (path is None) == (expected[1] is None)
    if path is not None:
        assert path == pytest.approx(expected[1], abs=1e-3)


def test_textual_and_baseline_free_cases():
    text_target = dict(target_kind="text", direction="decrease", target_op=None, target=None, baseline=None,
                       rate_text="控制在省下达的指标之内")
    assert indicator_status(**text_target, actuals={2018: None}) == ("no_data", None)
    assert indicator_status(**text_target, actuals={2018: None}, manual="achieved") == ("achieved", None)
    no_baseline = dict(target_kind="numeric", direction="increase", target_op="=", target=90.0, baseline=None,
                       rate_text="")
    assert indicator_status(**no_baseline, actuals={2018: 85.0}) == ("no_data", None)
    assert indicator_status(**no_baseline, actuals={2018: 91.0}) == ("achieved", None)


def test_indicators_api_and_page(make_client, keys, db):
    client = make_client()
    body = client.get("/indicators").json()
    assert len([i for i in body["indicators"] if not i["is_group"]]) >= 35
    gdp = next(i for i in body["indicators"] if i["code"] == "1")
    assert (gdp["value_2015"], gdp["target_2020"], gdp["attribute"], gdp["status"]) == ("239.94", "328.74", "预期性", "no_data")
    assert client.post("/indicators/1/actuals", json={"year": 2017, "value": 275}).status_code == 401
    assert client.post("/indicators/1/actuals", json={"year": 2017, "value": 275},
                       headers=bearer(keys["viewer"])).status_code == 403
    r = client.post("/indicators/1/actuals", json={"year": 2017, "value": 275, "note": "统计公报"},
                    headers=bearer(keys["editor"]))
    assert r.status_code == 200, r.text
    r = client.post("/indicators/1/actuals", json={"year": 2017, "value": 270}, headers=bearer(keys["editor"]))
    assert r.json()["version"] == 2
    gdp = next(i for i in client.get("/indicators").json()["indicators"] if i["code"] == "1")
    assert gdp["status"] == "behind" and gdp["actuals"][0]["value"] == 270
    events = client.get("/indicators/1/history").json()["events"]
    assert [e["new_values"]["value_num"] for e in events] == [270, 275]
    assert events[0]["old_values"]["value_num"] == 275
    bad = client.post("/indicators/12/actuals", json={"year": 2030, "manual_status": "great"},
                      headers=bearer(keys["editor"]))
    assert bad.status_code == 422 and set(bad.json()["detail"]["fields"]) == {"year", "manual_status"}
    ok = client.post("/indicators/12/actuals", json={"year": 2019, "manual_status": "on_track",
                                                     "value_text": "完成省下达指标"}, headers=bearer(keys["editor"]))
    assert ok.status_code == 200
    energy = next(i for i in client.get("/indicators").json()["indicators"] if i["code"] == "12")
    assert energy["status"] == "on_track" and energy["target_2020"] == "控制在省下达的指标之内"
    page = client.get("/indicators", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "<svg" in page.text and "滞后" in page.text and "控制在省下达的指标之内" in page.text
