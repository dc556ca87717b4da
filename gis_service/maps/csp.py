"""Content-Security-Policy for a rendered map page.

Folium writes inline <script> and <style> blocks. Each is allowed by its
SHA-256 hash, never by 'unsafe-inline'. Hashes (not nonces) because pages are
rendered deterministically and cached by ETag: a cached copy stays valid
under the policy sent with a later 304.
"""
from __future__ import annotations

import base64
import hashlib
import re

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc\s*=)([^>]*)>(.*?)</script>", re.S | re.I)
_INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S | re.I)
_DATA_BLOCK = re.compile(r"""type\s*=\s*["']application/(?:ld\+)?json["']""", re.I)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def inline_hashes(html: str) -> tuple[list[str], list[str]]:
    """Hash sources for the page's inline scripts and styles (JSON data blocks never run)."""
    scripts = [_sha256(body) for attrs, body in _INLINE_SCRIPT.findall(html)
               if not _DATA_BLOCK.search(attrs)]
    styles = [_sha256(body) for body in _INLINE_STYLE.findall(html)]
    return list(dict.fromkeys(scripts)), list(dict.fromkeys(styles))


def page_policy(html: str, frame_ancestors: str, img_hosts: list[str]) -> str:
    scripts, styles = inline_hashes(html)
    directives = [
        "default-src 'none'",
        "script-src 'self' " + " ".join(scripts),
        "style-src 'self' " + " ".join(styles),
        "img-src 'self' data: blob: " + " ".join(img_hosts),
        "font-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        f"frame-ancestors {frame_ancestors}",
    ]
    return "; ".join(d.strip() for d in directives)
