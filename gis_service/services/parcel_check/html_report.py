"""What the printable report template needs, beyond the report itself."""
from __future__ import annotations

import datetime as dt

from gis_service.maps.chrome import legend_html, parcel_legend
from gis_service.maps.styles import SEVERITY_COLOURS, VERDICT_COLOURS
from gis_service.services.parcel_check import rules
from gis_service.vocab import CATEGORY_LABELS, QUALITY_LABELS, collection_titles, status_label
from gis_service.vocab import LOCAL_TZ

SHANGHAI = LOCAL_TZ


def local_minute(value: str | dt.datetime | None) -> str:
    """A stored UTC timestamp as the reader's clock shows it: Asia/Shanghai, to the minute."""
    if not value:
        return "—"
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") + "（北京时间）"


def report_context(report: dict, base: str) -> dict:
    report_id = report["id"]
    return {
        "report": report,
        "created_local": local_minute(report.get("created_at")),
        "verdict_colour": VERDICT_COLOURS[report["verdict"]["code"]],
        "severity_colours": SEVERITY_COLOURS,
        "severity_zh": rules.SEVERITY_ZH, "severity_en": rules.SEVERITY_EN, "category_zh": CATEGORY_LABELS,
        "quality_zh": QUALITY_LABELS,
        "titles": collection_titles(),
        "status_label": status_label,
        "uses": rules.USES,
        "legend": legend_html(parcel_legend()),
        "map_url": f"{base}/maps/parcel/{report_id}",
        "json_url": f"{base}/analysis/parcel-check/{report_id}?f=json",
        "pdf_url": f"{base}/analysis/parcel-check/{report_id}?f=pdf",
        "title": f"地块合规性初筛报告 {report_id[:8]}",
    }
