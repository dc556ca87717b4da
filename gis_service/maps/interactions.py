"""Reader tools on the map pages: share link, browser print layout, identify, attribute
table and (progress page) the timeline. The scripts live in static/maps/ and read what they
need from the page's JSON config under ``interactions``; this module only says what that is."""
from __future__ import annotations

SCRIPTS = ("maps/share.js", "maps/identify.js", "maps/table.js", "maps/print.js", "maps/timeline.js")
STYLESHEET = "maps/interactions.css"
SOURCE_LINE = "依据《城区“十三五”规划纲要》(2016–2020)。示意图：示意性几何仅供初筛参考"
PAPERS = ("A4", "A3")
# Collections the timeline redraws, and the roll-up's groupings for the page's two unit kinds.
TIMELINE_COLLECTIONS = ("projects", "urban_village_sites")
GROUPINGS = {"admin_units": "admin_unit", "sub_areas": "sub_area"}


def script_urls(static: str) -> list[str]:
    return [f"{static}/{path}" for path in SCRIPTS]


def interaction_config(*, page: str, title: str, data_date: str, demo: bool, as_of: str | None,
                       filtered: bool, timeline: list[str], max_limit: int) -> dict:
    """What the reader tools need: print texts, the timeline's days, the items page size."""
    return {
        "print": {"title": title, "subtitle": f"截至 {as_of}" if as_of else "", "source": SOURCE_LINE,
                  "dataDate": data_date, "demo": demo, "papers": list(PAPERS)},
        "table": {"limit": max_limit},
        "timeline": None if page != "progress" else {
            "days": timeline, "collections": list(TIMELINE_COLLECTIONS), "groupings": GROUPINGS,
            # The roll-up endpoint has no category/专栏 filter; a filtered page cannot be redrawn from it.
            "disabled": filtered},
    }


def add_interactions(fmap, static: str) -> None:
    """The tools' scripts (deferred, after the page script) and stylesheet."""
    from branca.element import Element

    root = fmap.get_root()
    root.html.add_child(Element(f'<link rel="stylesheet" href="{static}/{STYLESHEET}"/>'), name="interact_css")
    for i, url in enumerate(script_urls(static)):
        root.header.add_child(Element(f'<script defer src="{url}"></script>'), name=f"interact_js_{i}")
