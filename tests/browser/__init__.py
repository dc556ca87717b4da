"""Headless Chromium for browser tests, as an offline intranet sees the service.

Debian's /usr/bin/chromium driven by Playwright (Playwright never downloads a
browser here). Every request that is not to 127.0.0.1 is aborted, and console
errors, page errors and failed requests are collected, so a test can assert
that a page needed nothing from the internet::

    from tests.browser import chromium, offline_page

    with chromium() as browser:
        page, problems = offline_page(browser)
        page.goto(f"{base}/collections?f=html")
        ...
        assert problems == []
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_PREFIXES = ("http://127.0.0.1", "data:", "blob:", "about:")


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def offline_page(browser: Browser, *, width: int = 1100, height: int = 800) -> tuple[Page, list[str]]:
    """A new page that can reach only 127.0.0.1, and the list its problems are appended to."""
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []

    def route(route):
        if route.request.url.startswith(LOCAL_PREFIXES):
            route.continue_()
        else:
            problems.append(f"blocked non-local request {route.request.url}")
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
    return page, problems
