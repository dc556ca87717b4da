"""The annual report: HTML/XLSX content, year bounds, demo labels; no invented values."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook


def test_demo_report_html_and_xlsx(demo_client):
    year = str(dt.date.today().year)  # the demo was recorded today: earlier years saw none of it
    r = demo_client.get("/monitoring/report", params={"year": year})
    assert r.status_code == 200, r.text
    page = r.text
    for section in ("indicator-table", "caveat-list", "一、概要", "五、逾期与停滞", "六、未关闭预警", "七、数据日期与版本"):
        assert section in page
    assert "演示数据" in page and "示意几何" in page
    assert "地区生产总值" in page and "无数据" in page  # no actual recorded: 无数据, never a number
    xlsx = demo_client.get("/monitoring/report", params={"year": year, "f": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["指标", "片区进展", "街道进展", "逾期与停滞", "预警", "说明"]
    header = [c.value for c in book["指标"][1]]
    assert header[:2] == ["编号 code", "指标 indicator"]
    late = [[c.value for c in row] for row in book["逾期与停滞"].iter_rows(min_row=2)]
    works = demo_client.get("/monitoring/works").json()["works"]
    assert len(late) == sum(1 for w in works if w["overdue"] or w["stalled"]) > 0
    assert all(row[-1] == "演示数据" for row in late)


def test_report_year_bounds_are_bilingual_400s(demo_client):
    next_year = dt.date.today().year + 1
    for params in ({}, {"year": "2015"}, {"year": str(next_year)}, {"year": "abc"}):
        r = demo_client.get("/monitoring/report", params=params)
        assert r.status_code == 400, params
        assert r.json()["message_zh"] and r.json()["message"] and r.json()["detail"]["parameter"] == "year"


def test_report_without_demo_says_nothing_of_demo(make_client):
    r = make_client().get("/monitoring/report", params={"year": "2019"})
    assert r.status_code == 200
    assert "演示数据" not in r.text and "demo-notice" not in r.text
