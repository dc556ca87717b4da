"""layers/indicators.csv: 表2 “十三五”时期晋城市城区经济社会发展主要指标 (第二章第四节).

Transcribed from the plan text; PDF-extraction spaces between Chinese and digits
are removed, wording is otherwise the plan's. Merged cells (12/13, 15.x) are
repeated on each row they span.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

COLUMNS = ("code", "parent", "group", "name", "unit", "value_2015", "target_2020",
           "annual_rate", "attribute", "direction", "target_kind", "target_op",
           "target_value", "note")

G1, G2, G3, G4 = "经济增长与开放发展", "科技进步与创新发展", "生态治理与绿色发展", "社会民生与共享发展"
E, C = "预期性", "约束性"
QUOTA = "控制在省下达的指标之内"

# code, group, name, unit, 2015, 2020, rate, attribute, direction, note
ROWS = [
    ("1", G1, "地区生产总值", "亿元", "239.94", "328.74", "6.5%", E, "increase", None),
    ("2", G1, "服务业增加值比重", "%", "64.8", "70", "1.5%", E, "increase", None),
    ("3", G1, "货物贸易进出口总额", "亿美元", "38", "56", "8%", E, "increase", None),
    ("4", G1, "服务贸易进出口总额", "亿美元", "98", "144", "8%", E, "increase", None),
    ("5", G1, "社会消费品零售总额", "亿元", "189.76", "242.20", "5%", E, "increase", None),
    ("6", G1, "居民消费价格指数上涨幅度", "%", "0.8", "<3", "控制在3%以内", E, "cap", None),
    ("7", G2, "研究与试验发展经费支出占GDP比重", "%", "1.3", "2.5", "13.9%", E, "increase", None),
    ("8", G2, "每万人专业技术人员数", "人", "690", "960", "6.8%", E, "increase", None),
    ("9", G2, "每10万人发明专利授权量", "件", "23", "35", "8.8%", E, "increase", None),
    ("10", G2, "年技术交易额", "万元", "22000", "56500", "20.7%", E, "increase", None),
    ("11", G2, "高新技术产业增加值占工业比重", "%", "10.8", "13", "3.8%", E, "increase", None),
    ("12", G3, "万元地区生产总值能源消耗降低", "%", "完成市定目标", QUOTA, QUOTA, C, "decrease",
     "2020 and rate cells are merged with row 13 in the plan"),
    ("13", G3, "单位地区生产总值二氧化碳排放降低", "%", "完成市定目标", QUOTA, QUOTA, C, "decrease",
     "2020 and rate cells are merged with row 12 in the plan"),
    ("14", G3, "空气质量", None, None, None, None, C, "increase", "group row; see 14.1, 14.2"),
    ("14.1", G3, "空气质量优良天数比例", "%", "73.2", ">75", None, C, "increase", None),
    ("14.2", G3, "颗粒物（PM2.5）浓度下降", "%", "比2013年下降36", "比2015年下降15%",
     "[15.0]左右", C, "decrease", "[ ] = cumulative over 2016–2020"),
    ("15", G3, "主要化学污染物排放总量减少", "%", None, None, None, C, "decrease",
     "group row; see 15.1–15.5"),
    ("15.1", G3, "二氧化硫", "万吨", "1.1056", QUOTA, "均" + QUOTA, C, "cap", None),
    ("15.2", G3, "化学需氧量", "万吨", "0.1999", QUOTA, "均" + QUOTA, C, "cap", None),
    ("15.3", G3, "氮氧化物", "万吨", "0.4636", QUOTA, "均" + QUOTA, C, "cap", None),
    ("15.4", G3, "氨氮", "万吨", "0.0568", QUOTA, "均" + QUOTA, C, "cap", None),
    ("15.5", G3, "烟粉尘", "万吨", "0.8957", QUOTA, "均" + QUOTA, C, "cap", None),
    ("16", G3, "工业固体废物综合利用率", "%", ">80", ">80", "完成市定目标", E, "increase", None),
    ("17", G3, "公益林范围覆盖率", "%", "9", "9.3", "0.6%", E, "increase", None),
    ("18", G3, "建成区绿化覆盖率", "%", "45.8", "48", "0.9%", E, "increase", None),
    ("19", G3, "森林覆盖率", "%", "18.26", "20.02", "1.8%", C, "increase", None),
    ("20", G3, "城镇污水处理率", "%", "95", "98", "0.6%", E, "increase", None),
    ("21", G3, "城市生活垃圾无害化处理率", "%", "95", "97", "0.4%", E, "increase", None),
    ("22", G4, "高中阶段入学率", "%", "97.72", "98", "0.06%", E, "increase", None),
    ("23", G4, "平均受教育年限", "年", "13.6", "14", "0.6%", E, "increase", None),
    ("24", G4, "人均预期寿命", "岁", "待定", "在2015年基础上提高1岁", None, E, "increase", None),
    ("25", G4, "城镇常住居民人均可支配收入", "元", "28484", "37869", "7%", E, "increase", None),
    ("26", G4, "城镇登记失业率", "%", "1.3", "<2", "控制在2以内", E, "cap", None),
    ("27", G4, "城镇新增就业人数", "万人", "0.82", "0.6", None, E, "increase",
     "annual floor; the 2020 figure is below the 2015 one"),
    ("28", G4, "万人拥有医护数", "人", "140", "150", "1.4%", E, "increase", None),
    ("29", G4, "城镇职工基本养老保险人数", "万人", "3.047", "3.1", "0.3%", C, "increase", None),
    ("30", G4, "城乡居民养老保险人数", "万人", "6.2148", "6.25", "0.1%", C, "increase", None),
    ("31", G4, "失业保险参保人数", "万人", "1.281", "1.8", "7%", C, "increase", None),
    ("32", G4, "每千名老人拥有养老床位数", "张", "18.1", "35张以上", "14%", E, "increase", None),
    ("33", G4, "城市万人公交车拥有量", "标台", "9.2", "15", "10.3%", E, "increase", None),
    ("34", G4, "党风廉政建设和反腐败工作群众满意度", "%", "待定", "90", None, C, "increase", None),
    ("35", G4, "亿元地区生产总值生产安全事故死亡率", "人/亿元", "0.004", "<0.3", "控制在0.2以下", C,
     "cap", "the plan's 2020 cell (<0.3) and rate cell (0.2以下) disagree; both kept"),
]

_NUM = re.compile(r"^(<|>)?(\d+(?:\.\d+)?)(张以上)?$")


def _target(t: str | None) -> tuple[str, str | None, str | None]:
    """-> (target_kind, op, value); text targets keep the plan wording only."""
    if t is None:
        return "text", None, None
    m = _NUM.match(t)
    if not m:
        return "text", None, None
    op = ">=" if m.group(3) else (m.group(1) or "=")
    return "numeric", op, m.group(2)


def rows() -> list[dict]:
    out = []
    for code, group, name, unit, v15, t20, rate, attr, direction, note in ROWS:
        kind, op, val = _target(t20)
        out.append(dict(code=code, parent=code.split(".")[0] if "." in code else None,
                        group=group, name=name, unit=unit, value_2015=v15, target_2020=t20,
                        annual_rate=rate, attribute=attr, direction=direction,
                        target_kind=kind, target_op=op, target_value=val, note=note))
    return out


def write(path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows():
            w.writerow({k: ("" if v is None else v) for k, v in r.items()})
