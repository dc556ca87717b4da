"""What the printable report template needs, beyond the report itself."""
from __future__ import annotations

from gis_service.services.parcel_check import rules
from gis_service.vocab import QUALITY_LABELS, collection_titles, status_label

SEVERITY_COLOURS = {"ok": "#43A047", "info": "#757575", "review": "#FB8C00", "conflict": "#E53935"}
VERDICT_COLOURS = {"compliant": "#43A047", "needs_review": "#FB8C00", "non_compliant": "#E53935",
                   "outside": "#546E7A"}


def report_context(report: dict, base: str) -> dict:
    report_id = report["id"]
    return {
        "report": report,
        "verdict_colour": VERDICT_COLOURS[report["verdict"]["code"]],
        "severity_colours": SEVERITY_COLOURS,
        "quality_zh": QUALITY_LABELS,
        "titles": collection_titles(),
        "status_label": status_label,
        "uses": rules.USES,
        "map_url": f"{base}/maps/parcel/{report_id}",
        "json_url": f"{base}/analysis/parcel-check/{report_id}?f=json",
        "pdf_url": f"{base}/analysis/parcel-check/{report_id}?f=pdf",
        "title": f"地块合规性初筛报告 {report_id[:8]}",
    }
