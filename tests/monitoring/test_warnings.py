"""Indicator grades and the warning register: a threshold crossing raises exactly one warning,
moving back clears it without deleting it; thresholds are editable and must increase;
acknowledge and close are audited; the register exports with Chinese headers."""
from __future__ import annotations

import io

import pandas as pd

from .conftest import bearer

GDP = "1"  # 地区生产总值: 239.94 in 2015, 6.5 % a year


def _expected(year: int) -> float:
    return 239.94 * 1.065 ** (year - 2015)  # the plan's annual rate, compounded


def _record(client, key, value, year=2018):
    r = client.post(f"/indicators/{GDP}/actuals", json={"year": year, "value": value}, headers=bearer(key))
    assert r.status_code == 200, r.text


def _active(db):
    return db("SELECT id, severity, status FROM warnings WHERE rule = 'indicator_threshold' "
              "AND subject_id = :c AND cleared_at IS NULL", c=GDP)


def test_threshold_crossing_raises_one_warning_and_moving_back_keeps_it(make_client, keys, db):
    client = make_client()
    _record(client, keys["editor"], _expected(2018) * 0.99)           # 1 % short: 绿
    assert _active(db) == []
    grade = next(i for i in client.get("/monitoring/indicators").json()["indicators"] if i["code"] == GDP)
    assert grade["grade"] == "green" and grade["status"] in ("on_track", "behind")
    assert abs(grade["trajectory"]["2018"] - _expected(2018)) < 1e-3
    assert abs(grade["shortfall"] - 0.01) < 1e-6
    _record(client, keys["editor"], _expected(2018) * 0.90)           # 10 % short: 黄
    [(wid, severity, status)] = _active(db)
    assert (severity, status) == ("yellow", "open")
    _record(client, keys["editor"], _expected(2018) * 0.89)           # still 黄: no new warning
    _record(client, keys["editor"], _expected(2018) * 0.80)           # 20 % short: 红, same warning
    assert [tuple(r) for r in _active(db)] == [(wid, "red", "open")]
    assert db("SELECT count(*) FROM warnings")[0][0] == 1
    _record(client, keys["editor"], _expected(2018))                  # back on the path
    assert _active(db) == []
    assert [tuple(r) for r in db("SELECT id, status, cleared_by FROM warnings")] == [(wid, "cleared", "system")]
    _record(client, keys["editor"], _expected(2018) * 0.9)            # a new episode: a new warning
    assert db("SELECT count(*) FROM warnings")[0][0] == 2 and len(_active(db)) == 1


def test_thresholds_put_must_increase_and_regrade(make_client, keys, db):
    client = make_client()
    _record(client, keys["editor"], _expected(2018) * 0.90)
    assert len(_active(db)) == 1
    path = f"/monitoring/thresholds/{GDP}"
    for body in ({"yellow_at": 0.2, "red_at": 0.1}, {"yellow_at": 0.1, "red_at": 0.1}, {"yellow_at": "x", "red_at": 1}):
        r = client.put(path, json=body, headers=bearer(keys["editor"]))
        assert r.status_code == 422, r.text
        assert r.json()["message_zh"] and r.json()["message"] and r.json()["detail"]["fields"]
    assert db("SELECT count(*) FROM indicator_monitoring")[0][0] == 0
    assert client.put(path, json={"yellow_at": 0.2, "red_at": 0.3}, headers=bearer(keys["viewer"])).status_code == 403
    assert client.put("/monitoring/thresholds/nope", json={"yellow_at": 0.2, "red_at": 0.3},
                      headers=bearer(keys["editor"])).status_code == 404
    ok = client.put(path, json={"yellow_at": 0.2, "red_at": 0.3}, headers=bearer(keys["editor"]))
    assert ok.status_code == 200 and ok.json()["yellow_at"] == 0.2
    assert _active(db) == []                                          # 10 % is now 绿
    assert db("SELECT count(*) FROM audit_log WHERE action = 'indicator_thresholds'")[0][0] == 1


def test_acknowledge_and_close_are_audited_and_never_delete(make_client, keys, db):
    client = make_client()
    _record(client, keys["editor"], _expected(2018) * 0.5)
    [(wid, _, _)] = _active(db)
    url = f"/monitoring/warnings/{wid}"
    assert client.post(f"{url}/acknowledge", json={"comment": "x"}).status_code == 401
    assert client.post(f"{url}/acknowledge", json={"comment": "x"}, headers=bearer(keys["viewer"])).status_code == 403
    ack = client.post(f"{url}/acknowledge", json={"comment": "已核实"}, headers=bearer(keys["editor"]))
    assert ack.status_code == 200 and ack.json()["status"] == "acknowledged"
    assert ack.json()["acknowledged_by"] == "editor-1" and ack.json()["acknowledged_at"].endswith("+08:00")
    again = client.post(f"{url}/acknowledge", headers=bearer(keys["editor"]))
    assert again.status_code == 409 and again.json()["message_zh"]
    closed = client.post(f"{url}/close", json={"comment": "数据已更正"}, headers=bearer(keys["editor"]))
    assert closed.status_code == 200 and closed.json()["closed_comment"] == "数据已更正"
    assert client.post("/monitoring/warnings/999999/close", headers=bearer(keys["editor"])).status_code == 404
    audit = [tuple(r) for r in db("SELECT action, actor, detail ->> 'comment' FROM audit_log "
                                  "WHERE action LIKE 'warning_%' ORDER BY id")]
    assert audit == [("warning_acknowledge", "editor-1", "已核实"), ("warning_close", "editor-1", "数据已更正")]
    # A closed warning whose condition still holds is not raised again while the episode lasts.
    _record(client, keys["editor"], _expected(2018) * 0.6)
    assert db("SELECT count(*) FROM warnings")[0][0] == 1
    listed = client.get("/monitoring/warnings").json()["warnings"]
    assert [w["id"] for w in listed] == [wid] and listed[0]["status"] == "closed"


def test_register_formats(make_client, keys, db):
    client = make_client()
    _record(client, keys["editor"], _expected(2018) * 0.5)
    xlsx = client.get("/monitoring/warnings", params={"f": "xlsx"})
    frame = pd.read_excel(io.BytesIO(xlsx.content))
    assert list(frame.columns)[:3] == ["编号 id", "等级 severity", "类型 rule"]
    assert frame["对象 subject"].astype(str).tolist() == [GDP]
    csv = client.get("/monitoring/warnings", params={"f": "csv"})
    assert csv.content.startswith("\ufeff编号 id".encode("utf-8"))
    html = client.get("/monitoring/warnings", params={"f": "html"})
    assert html.status_code == 200 and "预警台账" in html.text and "地区生产总值" in html.text
    for params in ({"severity": "purple"}, {"year": "2015"}, {"year": "2999"}, {"status": "gone"}):
        r = client.get("/monitoring/warnings", params=params)
        assert r.status_code == 400, (params, r.text)
        assert r.json()["message_zh"] and r.json()["message"]


def test_definitions_are_set_by_editors_and_shown(make_client, keys, db):
    client = make_client()
    path = f"/monitoring/definitions/{GDP}"
    body = {"caliber": "全区常住单位生产总值", "formula": "现价", "data_source": "统计局年报",
            "responsible_unit": "区统计局", "frequency": "年度"}
    assert client.put(path, json=body, headers=bearer(keys["viewer"])).status_code == 403
    bad = client.put(path, json={**body, "colour": "red"}, headers=bearer(keys["editor"]))
    assert bad.status_code == 422 and "colour" in bad.json()["detail"]["fields"]
    assert client.put(path, json=body, headers=bearer(keys["editor"])).status_code == 200
    _record(client, keys["editor"], _expected(2018) * 0.9)   # thresholds untouched by a definition
    item = next(i for i in client.get("/monitoring/indicators").json()["indicators"] if i["code"] == GDP)
    assert item["definition"] == body and item["grade"] == "yellow" and item["yellow_at"] == 0.05
    assert db("SELECT count(*) FROM audit_log WHERE action = 'indicator_definition'")[0][0] == 1
