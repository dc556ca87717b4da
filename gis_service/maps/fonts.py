"""Chinese text in static maps: Debian's CJK fonts (fonts-noto-cjk, or fonts-wqy-zenhei).

Matplotlib >= 3.11 registers "Noto Sans CJK SC" from the .ttc; older versions
register only the JP face, which also covers the Chinese glyphs we use. So
several families are listed and the first one installed wins.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # no display on a server

from matplotlib import font_manager, rcParams  # noqa: E402

CJK_FAMILIES = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
                "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback"]


def configure_matplotlib() -> None:
    """Idempotent: CJK families first, and an ASCII minus (CJK fonts lack U+2212)."""
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [*CJK_FAMILIES, "DejaVu Sans"]
    rcParams["axes.unicode_minus"] = False
    rcParams["pdf.fonttype"] = 42  # embed TrueType, so PDF text stays searchable


def cjk_font_path() -> str:
    """The font file matplotlib resolves the configured Chinese families to
    (raises ValueError when no CJK font is installed)."""
    configure_matplotlib()
    return font_manager.findfont(font_manager.FontProperties(family=CJK_FAMILIES), fallback_to_default=False)
