"""Security headers on every response, and the request-body cap."""
import re

from fastapi.testclient import TestClient

from gis_service.api.app import create_app

from ..conftest import app_client, test_settings


def test_default_headers_and_strict_csp(client):
    r = client.get("/collections?f=html")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"]
    csp = r.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "frame-ancestors" in csp


def test_docs_page_allows_only_its_own_inline_script(client):
    r = client.get("/docs")
    script_src = re.search(r"script-src ([^;]*)", r.headers["content-security-policy"]).group(1)
    assert "'unsafe-inline'" not in script_src and "'sha256-" in script_src


def test_oversized_body_gets_413_with_reason(shared_loaded_url):
    with app_client(shared_loaded_url, max_body_bytes=1000) as small:
        declared = small.post("/collections/projects/items", content=b"x" * 1001,
                              headers={"Content-Type": "application/json"})

    assert declared.status_code == 413
    assert declared.json()["message_zh"].startswith("请求体超过")


def test_streamed_body_is_counted_without_content_length(shared_loaded_url):
    from fastapi import Request
    from fastapi.responses import PlainTextResponse

    async def echo(request: Request):
        return PlainTextResponse(str(len(await request.body())))

    app = create_app(test_settings(shared_loaded_url, max_body_bytes=1000))
    app.add_api_route("/", echo, methods=["POST"])

    def chunks(n):
        for _ in range(n):
            yield b"x" * 400

    with TestClient(app) as c:
        assert c.post("/", content=chunks(2)).text == "800"
        too_big = c.post("/", content=chunks(3))
    assert too_big.status_code == 413 and too_big.json()["detail"]["max_bytes"] == 1000
