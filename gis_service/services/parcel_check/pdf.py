"""``?f=pdf``: the HTML report printed by headless Chromium (its map needs JavaScript,
which WeasyPrint does not run). The page is loaded from this very service over loopback,
with the caller's credentials, and nothing off this machine is ever fetched."""
from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from gis_service.errors import GisError
from gis_service.settings import Settings

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FORWARDED_HEADERS = ("authorization", "x-api-key", "cookie")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
TIMEOUT_MS = 30_000
A4_VIEWPORT = {"width": 794, "height": 1123}


class PdfUnavailable(GisError):
    code = "pdf_unavailable"
    status = 503


def _local_url(request: Request, path: str, settings: Settings) -> str:
    host, port = request.scope.get("server") or ("127.0.0.1", settings.port)
    if host in ("0.0.0.0", "::", "", None):
        host = "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}{settings.root_path}{path}"


async def report_pdf(request: Request, report_id: str, settings: Settings) -> bytes:
    return await page_pdf(request, f"/analysis/parcel-check/{report_id}?f=html", settings)


async def page_pdf(request: Request, path: str, settings: Settings) -> bytes:
    """Any printable page of this service (``path`` with its query), printed on A4."""
    url = _local_url(request, path, settings)
    headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED_HEADERS}
    # Chromium is started from a worker thread's own stdlib event loop: uvloop (the server's loop)
    # runs Python in the forked child before exec, which deadlocks when another thread holds an
    # interpreter lock at that moment, and then the whole server hangs (found by fuzzing under load).
    return await run_in_threadpool(asyncio.run, _render(url, headers, settings))


async def _render(url: str, headers: dict, settings: Settings) -> bytes:
    try:
        from playwright.async_api import Error as PlaywrightError, async_playwright
    except ImportError:  # pragma: no cover  (playwright is a dependency)
        raise PdfUnavailable("PDF 生成不可用（缺少 playwright）", "PDF rendering unavailable: playwright missing") from None
    own_host = urlsplit(url).hostname
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=settings.chromium_path, args=CHROMIUM_ARGS)
            try:
                # A4 width at 96 dpi, print media from the start: the map fits its bounds to the
                # size it will be printed at, not to a wider screen.
                page = await browser.new_page(extra_http_headers=headers, viewport=A4_VIEWPORT)
                await page.emulate_media(media="print")

                async def only_local(route):
                    host = urlsplit(route.request.url).hostname
                    await (route.continue_() if host in LOCAL_HOSTS | {own_host} else route.abort())

                await page.route("**/*", only_local)
                await page.goto(url, wait_until="networkidle", timeout=TIMEOUT_MS)
                return await page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
            finally:
                await browser.close()
    except PlaywrightError as exc:
        raise PdfUnavailable(f"PDF 生成失败：{exc.message.splitlines()[0]}",
                             f"PDF rendering failed: {exc.message.splitlines()[0]}",
                             detail={"chromium": settings.chromium_path}) from None
