"""``/analysis/parcel-check?f=html``: the clerk's page, with the rule vocabulary it shows, and its CSP."""
from __future__ import annotations

from gis_service.maps.csp import page_policy
from gis_service.maps.parcel_check_page import render_parcel_check_page
from gis_service.services.parcel_check import rules
from gis_service.settings import Settings


def parcel_check_page(settings: Settings, base: str) -> tuple[str, str]:
    html = render_parcel_check_page(base, f"{base}/static", uses=rules.USES, verdicts=rules.VERDICTS,
                                    severity_zh=rules.SEVERITY_ZH)
    return html, page_policy(html, settings.maps_frame_ancestors, [])
