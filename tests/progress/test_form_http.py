"""The browser form over raw HTTP: sign-in cookie flags, CSRF refusals, same rules and history."""
from __future__ import annotations

import re


def _login(client, key):
    r = client.post("/progress/login", data={"key": key, "next": "/progress"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_sign_in_cookie_and_csrf(make_client, keys, db):
    client = make_client()
    fid = db("SELECT id FROM projects ORDER BY id LIMIT 1")[0][0]
    page_url = f"/progress/projects/{fid}"
    r = _login(client, keys["editor"])
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert keys["editor"] not in cookie
    page = client.get(page_url)
    assert page.status_code == 200 and "保存 Save" in page.text
    token = _csrf(page.text)
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    form = {"csrf_token": token, "version": version, "status": "ongoing", "percent_complete": "35",
            "status_date": "2020-03-31", "progress_note": "主体施工", "reason": "季度调度会"}

    # A forged cross-site POST: the browser would send Origin of the attacking site.
    forged = client.post(page_url, data=form, headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
    no_token = client.post(page_url, data={**form, "csrf_token": ""}, follow_redirects=False)
    assert no_token.status_code == 403
    fetch_site = client.post(page_url, data=form, headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False)
    assert fetch_site.status_code == 403
    assert db("SELECT count(*) FROM progress_events WHERE action <> 'load'")[0][0] == 0

    ok = client.post(page_url, data=form, headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert ok.status_code == 303, ok.text
    assert db("SELECT actor, action, reason FROM progress_events WHERE action <> 'load'") == [("editor-1", "form", "季度调度会")]
    assert db("SELECT status, percent_complete::float FROM projects WHERE id = :f", f=fid) == [("ongoing", 35.0)]

    # Same rules as the API: a stale version is refused, bad fields are named.
    stale = client.post(page_url, data={**form, "status": "completed"}, follow_redirects=False)
    assert stale.status_code == 412 and "已被修改" in stale.text
    page = client.get(page_url)
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    bad = client.post(page_url, data={**form, "version": version, "percent_complete": "150"})
    assert bad.status_code == 422 and "应在 0–100 之间" in bad.text

    # The session cookie alone never authorises the JSON API.
    api = client.patch(f"/collections/projects/items/{fid}", json={"status": "completed"},
                       headers={"If-Match": f'"{version}"'})
    assert api.status_code == 401


def test_viewer_cannot_save_and_list_filters(make_client, keys, db):
    client = make_client()
    _login(client, keys["viewer"])
    fid = db("SELECT id FROM projects ORDER BY id LIMIT 1")[0][0]
    page = client.get(f"/progress/projects/{fid}")
    assert "disabled" in page.text
    r = client.post(f"/progress/projects/{fid}", data={"csrf_token": _csrf(page.text), "status": "ongoing"})
    assert r.status_code == 403
    listing = client.get("/progress", params={"collection": "urban_village_sites", "unit": "beishidian"})
    assert listing.status_code == 200
    names = re.findall(r'<td class="name"><a href="http://testserver/progress/urban_village_sites/[^"]+">([^<]+)</a>',
                       listing.text)
    expected = db("SELECT name FROM urban_village_sites WHERE properties->>'admin_unit' = 'beishidian'")
    assert sorted(names) == sorted(n for (n,) in expected)
    assert client.post("/progress/login", data={"key": "gk_nope"}).status_code == 401


def test_photo_upload_limits(make_client, keys, db, tmp_path):
    import io

    from PIL import Image

    client = make_client(max_photo_bytes=20_000)
    fid = db("SELECT id FROM projects ORDER BY id LIMIT 1")[0][0]
    url = f"/collections/projects/items/{fid}/photos"
    png = io.BytesIO()
    Image.new("RGB", (40, 30), "#43A047").save(png, "PNG")
    headers = {"Authorization": f"Bearer {keys['editor']}"}
    r = client.post(url, files={"file": ("../../etc/passwd.png", png.getvalue(), "image/png")},
                    data={"caption": "现场"}, headers=headers)
    assert r.status_code == 201, r.text
    photo = r.json()
    stored = db("SELECT stored_name FROM progress_photos")[0][0]
    assert ".." not in stored and stored.endswith(".png") and (tmp_path / "uploads" / stored).is_file()
    served = client.get(photo["href"].replace("http://testserver", ""))
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    fake = client.post(url, files={"file": ("x.jpg", b"<script>alert(1)</script>", "image/jpeg")}, headers=headers)
    assert fake.status_code == 422 and "file" in fake.json()["detail"]["fields"]
    big = client.post(url, files={"file": ("big.png", b"\x89PNG" + b"0" * 30_000, "image/png")}, headers=headers)
    assert big.status_code == 422
    assert client.post(url, files={"file": ("a.png", png.getvalue(), "image/png")}).status_code == 401
    assert len(client.get(url).json()["photos"]) == 1
