"""layers/demo/progress.csv: invented statuses so maps have something to show.

演示数据 / demo data only. Nothing in the real layers reads this file; the
loader takes it only with an explicit --demo flag.
"""
from __future__ import annotations

import csv
from pathlib import Path

from .common import slug

NOTE = "演示数据 / demo data — not a real status report"
COLUMNS = ("collection", "id", "name", "status", "percent_complete", "status_date", "note")

# collection, name, status (docs/DOMAIN.md, Progress vocabularies), percent, date
DEMO = [
    ("projects", "万达广场", "operating", 100, "2019-06-30"),
    ("projects", "人民广场改造暨兰花国际购物广场项目", "ongoing", 60, "2019-09-30"),
    ("projects", "程颢书院修缮与保护二期", "completed", 100, "2019-12-31"),
    ("projects", "程颢书院文化产业园", "ongoing", 45, "2019-12-31"),
    ("projects", "白马寺生态旅游休闲文化中心", "preliminary", 10, "2019-03-31"),
    ("projects", "吴王山森林公园二期提升工程", "new_start", 15, "2019-05-31"),
    ("projects", "司徒现代都市农业示范园", "operating", 100, "2018-10-31"),
    ("projects", "洞头生态旅游村", "ongoing", 70, "2019-08-31"),
    ("projects", "北石店工业园区", "ongoing", 55, "2019-12-31"),
    ("projects", "王台铺CNG和LNG合建站", "completed", 100, "2018-12-31"),
    ("projects", "银焰新能源有限公司拟建加气站", "suspended", 5, "2019-04-30"),
    ("projects", "中小企业孵化基地", "planned", 0, "2019-01-31"),
    ("projects", "北石店中心幼儿园", "completed", 100, "2018-08-31"),
    ("projects", "司徒小学", "ongoing", 80, "2019-07-31"),
    ("projects", "迁址新建北石店镇卫生院", "new_start", 20, "2019-10-31"),
    ("projects", "疾病防控能力建设", "ongoing", 50, "2019-12-31"),
    ("urban_village_sites", "北石店村", "resettlement_build", 65, "2019-11-30"),
    ("urban_village_sites", "司徒村", "returning", 90, "2019-12-31"),
    ("urban_village_sites", "西吕匠村", "signing", 40, "2019-06-30"),
    ("urban_village_sites", "东关社区", "survey", 10, "2019-03-31"),
    ("urban_village_sites", "景德桥社区", "plan_approved", 20, "2019-05-31"),
    ("urban_village_sites", "吴家沟、叶家河连片", "demolition", 50, "2019-09-30"),
    ("urban_village_sites", "钟家庄社区", "done", 100, "2019-12-31"),
    ("ecology_sites", "苇匠生活垃圾填埋场封场环境整治工程", "completed", 100, "2018-06-30"),
    ("ecology_sites", "旗道岭森林公园", "ongoing", 35, "2019-10-31"),
    ("green_corridors", "白马寺山—吴王山生态绿道", "preliminary", 5, "2019-04-30"),
    ("green_corridors", "书院河", "ongoing", 40, "2019-09-30"),
]



def write(path: Path, known: dict[str, set[str]]) -> None:
    """known: collection -> ids present in the built layers (guards typos)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        for coll, name, status, pct, date in DEMO:
            fid = slug(name)
            if fid not in known[coll]:
                raise ValueError(f"demo row {coll}/{name}: no such feature")
            w.writerow([coll, fid, name, status, pct, date, NOTE])
