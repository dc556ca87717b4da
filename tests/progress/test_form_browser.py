"""The progress form in headless Chromium: sign in, edit, and a cross-site form POST refused."""
from __future__ import annotations

import http.server
import threading
from functools import partial

from ..browser import chromium, offline_page
from ..conftest import free_port
from ..live import live_server


def _evil_site(directory, target: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Another origin (another port) with a form that posts to our item page."""
    (directory / "index.html").write_text(
        f'<html><body><form method="post" action="{target}">'
        '<input name="csrf_token" value="guessed"><input name="version" value="1">'
        '<input name="status" value="suspended"><button id="go">win a prize</button></form></body></html>',
        encoding="utf-8")
    port = free_port()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}/index.html"


def test_form_in_chromium(loaded_db, keys, db, tmp_path):
    fid = db("SELECT id FROM urban_village_sites ORDER BY id LIMIT 1")[0][0]
    with live_server(loaded_db, GIS_UPLOAD_DIR=str(tmp_path / "uploads")) as base, chromium() as browser:
        page, problems = offline_page(browser)
        page.goto(f"{base}/progress/login?next=/progress")
        page.fill("input[name=key]", keys["editor"])
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/progress")
        assert "已登录" in page.content()
        page.select_option("select[name=collection]", "urban_village_sites")
        page.click("form.filters button")
        page.click(f"a[href='{base}/progress/urban_village_sites/{fid}'] >> nth=0")
        page.select_option("select[name=status]", "signing")
        page.fill("input[name=percent_complete]", "40")
        page.fill("input[name=signing_rate]", "85")
        page.fill("input[name=vacated_rate]", "30")
        page.fill("input[name=status_date]", "2019-09-30")
        page.fill("input[name=reason]", "入户签约进度")
        page.click("fieldset button[type=submit]")
        page.wait_for_url(f"{base}/progress/urban_village_sites/{fid}?saved=1")
        assert "已保存" in page.content() and "入户签约进度" in page.content()
        cookies = {c["name"]: c for c in page.context.cookies()}
        assert cookies["gis_session"]["httpOnly"] and cookies["gis_session"]["sameSite"] == "Lax"
        assert problems == []

        # A page on another origin (same site: another port) submits a form to us, in the same
        # browser, so the editor's session cookie goes along: the Origin check refuses it.
        evil, evil_url = _evil_site(tmp_path, f"{base}/progress/urban_village_sites/{fid}")
        try:
            page.goto(evil_url)
            with page.expect_navigation():
                page.click("#go")
            assert "csrf_failed" in page.content()
        finally:
            evil.shutdown()
    rows = db("SELECT actor, action, new_values->>'status' FROM progress_events"
              " WHERE feature_id = :f AND action <> 'load'", f=fid)
    assert rows == [("editor-1", "form", "signing")]
