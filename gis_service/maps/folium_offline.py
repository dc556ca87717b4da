"""Folium and branca rewritten, at class level, to load their assets from this service.

Folium's classes carry CDN URLs in ``default_js``/``default_css``; branca builds
some links directly. ``install_offline_assets`` re-points all of them through the
CDN map in ``maps.cdn``, once at start-up.
"""
from __future__ import annotations

import functools
import logging
from typing import Any

from gis_service.maps.cdn import VENDOR_DIR, local_url, url_prefix

log = logging.getLogger(__name__)

_state: dict[str, Any] = {"prefix": None}
# id(list) -> (the list, its CDN entries as first seen); rewrites always start
# from these so a repeat call (or a new prefix) never compounds.
_originals: dict[int, tuple[list, list]] = {}


def _jscss_classes() -> list[type]:
    import folium  # noqa: F401  (registers Map and the core elements)
    import folium.plugins  # noqa: F401  (imports every plugin class)
    from folium.elements import JSCSSMixin

    found, todo = [], [JSCSSMixin]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _rewrite_list(links: list, prefix: str) -> None:
    key = id(links)
    if key not in _originals:
        _originals[key] = (links, list(links))
    original = _originals[key][1]
    # In place: folium.folium._default_js is the same object as Map.default_js.
    links[:] = [(name, local_url(url, prefix)) for name, url in original]


def _patch_link_classes() -> None:
    """Localize URLs given directly to branca's JavascriptLink/CssLink.

    branca's ColorMap.render adds d3 with a hard-coded CDN URL rather than a
    default_js entry, so only the link classes themselves can catch it.
    """
    from branca.element import CssLink, JavascriptLink

    for cls in (JavascriptLink, CssLink):
        if getattr(cls.__init__, "_offline_assets", False):
            continue
        original_init = cls.__init__

        @functools.wraps(original_init)
        def init(self, url, *args, _orig=original_init, **kwargs):
            prefix = _state["prefix"]
            _orig(self, local_url(url, prefix) if prefix is not None else url, *args, **kwargs)

        init._offline_assets = True  # type: ignore[attr-defined]
        cls.__init__ = init


def install_offline_assets(static_prefix: str = "/static") -> None:
    """Point folium's and branca's asset links at the local copies.

    Call once at start-up, before any map is rendered; calling it again is a
    no-op (or re-targets every link if ``static_prefix`` changed). Covers
    folium.Map, every folium.elements.JSCSSMixin subclass (all plugins) and
    links branca builds directly (the colormap's d3).
    """
    prefix = url_prefix(static_prefix)
    if _state["prefix"] == prefix:
        return
    _state["prefix"] = prefix
    for cls in _jscss_classes():
        for attr in ("default_js", "default_css"):
            links = cls.__dict__.get(attr)
            if isinstance(links, list):
                _rewrite_list(links, prefix)
    _patch_link_classes()
    if not VENDOR_DIR.is_dir():
        log.warning("offline assets missing: %s (run scripts/fetch-assets.sh)", VENDOR_DIR)
