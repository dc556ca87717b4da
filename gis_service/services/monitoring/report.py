"""The annual assessment report (年度实施评估报告): one context for HTML, PDF (Chromium prints
the HTML) and XLSX. Everything is as recorded at the end of the year (or today, this year);
nothing is invented: a missing value reads 无数据, demo values read 演示数据."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from gis_service import __version__, vocab
from gis_service.queries import monitoring as sql
from gis_service.services.monitoring import flags, grades, spatial, warnings
from gis_service.services.monitoring.charts import trajectory_svg
from gis_service.services.progress.stats import progress_stats
from gis_service.services.progress.validation import today_in_review_zone
from gis_service.vocab import DEMO_LABEL

NO_DATA = "无数据"


def report_day(year: int) -> dt.date:
    return min(dt.date(year, 12, 31), today_in_review_zone())


def _caveats(conn: Connection, demo: bool) -> list[str]:
    quality = [dict(r) for r in conn.execute(text(sql.GEOMETRY_QUALITY)).mappings()]
    rough = sum(r["n"] for r in quality if r["geometry_quality"] in ("schematic", "approximate"))
    out = [f"示意几何：{rough} 个进展要素的位置为示意或近似（schematic / approximate），不作为测绘成果。"
           f" Schematic geometry: {rough} progress features are placed schematically or approximately, not surveyed.",
           "未上报的进展保持“未知”，不作推断。 Progress not reported stays unknown; nothing is inferred."]
    if demo:
        out.insert(0, f"{DEMO_LABEL}：本报告含演示数据，非真实进展，不得作为评估依据。"
                      " This report contains demo data, not real progress.")
    return out


def report_context(conn: Connection, year: int) -> dict:
    day = report_day(year)
    indicators = grades.graded_indicators(conn, year)
    works = flags.all_works(conn, day)
    register = warnings.list_warnings(conn, year=year)
    open_warnings = [w for w in register if w["active"]]
    by_sub, by_admin = progress_stats(conn, "sub_area", day), progress_stats(conn, "admin_unit", day)
    space = spatial.spatial_indicators(conn, day)
    demo = (any(i["demo"] for i in indicators) or any(w["demo"] for w in works)
            or bool(by_sub.get("notice")) or any(w["demo"] for w in open_warnings))
    for item in indicators:
        item["chart"] = trajectory_svg(item)
    grade_counts = {g: sum(1 for i in indicators if i["grade"] == g) for g in grades.GRADES}
    return {
        "year": year, "as_of": day.isoformat(), "generated": dt.datetime.now(flags.SHANGHAI).isoformat(timespec="minutes"),
        "demo": demo, "demo_label": DEMO_LABEL, "no_data": NO_DATA, "indicators": indicators,
        "grade_counts": grade_counts, "grades": {g: s._asdict() for g, s in grades.GRADES.items()},
        "summary": {"works": len(works), "reported": sum(w["status"] != "unknown" for w in works),
                    "overdue": sum(w["overdue"] for w in works), "stalled": sum(w["stalled"] for w in works),
                    "suspended": sum(w["suspended"] for w in works),
                    "open_warnings": {s: sum(w["severity"] == s for w in open_warnings) for s in vocab.WARNING_SEVERITIES}},
        "late_works": [w for w in works if w["overdue"] or w["stalled"]],
        "open_warnings": open_warnings, "by_sub_area": by_sub["groups"], "by_admin_unit": by_admin["groups"],
        "spatial": space["indicators"],
        "versions": [dict(r) for r in conn.execute(text(sql.DATA_VERSIONS)).mappings()],
        "service_version": __version__, "caveats": _caveats(conn, demo),
    }


def _fmt(value):
    return NO_DATA if value is None else value


def report_sheets(ctx: dict) -> dict[str, list[dict]]:
    """XLSX sheets with Chinese headers (English beside)."""
    return {
        "指标": [{"编号 code": i["code"], "指标 indicator": i["name"], "单位 unit": i["unit"],
                 "2015 基期": _fmt(i["value_2015_num"]), "2020 目标": _fmt(i["target_value"]),
                 "年份 year": _fmt(i["year"]), "实际值 actual": _fmt(i["actual"]), "应达值 expected": _fmt(i["expected"]),
                 "偏差 shortfall": _fmt(i["shortfall"]), "红黄绿 grade": i["grade_zh"], "状态 status": i["status_zh"],
                 "演示数据 demo": "演示数据" if i["demo"] else ""} for i in ctx["indicators"]],
        "片区进展": _groups(ctx["by_sub_area"]), "街道进展": _groups(ctx["by_admin_unit"]),
        "逾期与停滞": [{"图层 collection": w["collection"], "编号 id": w["id"], "名称 name": w["name"],
                    "阶段 status": w["status"], "逾期 overdue": "是" if w["overdue"] else "",
                    "停滞 stalled": "是" if w["stalled"] else "", "最近上报 last report": _fmt(w["last_report"]),
                    "演示数据 demo": "演示数据" if w["demo"] else ""} for w in ctx["late_works"]],
        "预警": warnings.warnings_table(ctx["open_warnings"]),
        "说明": [{"说明 caveat": c} for c in ctx["caveats"]] + [{"说明 caveat": f"截至 as of {ctx['as_of']}"}],
    }


def _groups(groups: list[dict]) -> list[dict]:
    return [{"编号 key": g["key"], "名称 name": g["name"], "总数 total": g["total"], "已上报 reported": g["reported"],
             "已完成 finished": g["finished"], "完成率 completion": _fmt(g["completion_rate"]),
             "投资完成率 investment": _fmt(g["investment_completion_rate"]), "演示 demo items": g["demo"]}
            for g in groups]


def report_xlsx(ctx: dict) -> bytes:
    import io

    import pandas as pd

    from gis_service.services.exports import neutralise_formula

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, rows in report_sheets(ctx).items():
            frame = pd.DataFrame(rows if rows else [{"说明": NO_DATA}])
            for column in frame.columns:
                if frame[column].dtype == object:
                    frame[column] = frame[column].map(neutralise_formula)
            frame.to_excel(writer, index=False, sheet_name=name)
    return buffer.getvalue()
