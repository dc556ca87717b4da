"""A trajectory chart as inline SVG for the printable report (no script, so it prints as is):
the expected path 2015–2020 dashed, the target line, recorded actuals as dots."""
from __future__ import annotations

from html import escape

from gis_service import vocab

GRADE_COLOURS = vocab.signal_colours(vocab.INDICATOR_GRADES)


def trajectory_svg(item: dict, width: int = 150, height: int = 50) -> str:
    path = item.get("trajectory") or {}
    actuals = [(a["year"], a["value"]) for a in item.get("actuals", []) if a.get("value") is not None]
    points = [(int(y), float(v)) for y, v in path.items()] + actuals
    if len(points) < 2:
        return ""
    years = [y for y, _ in points]
    low_x, high_x = min(years), max(max(years), 2020)
    values = [v for _, v in points]
    low, high = min(values), max(values)
    span_x, span_y = (high_x - low_x) or 1, (high - low) or 1.0

    def xy(year: float, value: float) -> tuple[float, float]:
        return (6 + (year - low_x) / span_x * (width - 12), height - 6 - (value - low) / span_y * (height - 12))

    parts = [f'<svg class="trajectory" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(item.get("name", ""))} trajectory">']
    if path:
        line = " ".join("{:.1f},{:.1f}".format(*xy(int(y), v)) for y, v in sorted(path.items(), key=lambda p: int(p[0])))
        parts.append(f'<polyline fill="none" stroke="#757575" stroke-dasharray="4,3" stroke-width="1.2" points="{line}"/>')
    colour = GRADE_COLOURS.get(item.get("grade", "no_data"), "#1E88E5")
    for year, value in actuals:
        x, y = xy(year, value)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
    parts.append("</svg>")
    return "".join(parts)
