"""Static files (``gis_service/static``, vendored assets included) mounted on the app."""
from __future__ import annotations

import logging
from pathlib import Path

from starlette.responses import FileResponse
from starlette.staticfiles import StaticFiles

from gis_service.maps.cdn import STATIC_DIR, url_prefix

log = logging.getLogger(__name__)


def mount_static(app, prefix: str = "/static", directory: Path | str = STATIC_DIR) -> None:
    """Mount ``gis_service/static`` at ``prefix``.

    Files under vendor/ sit in ``<package>@<version>`` folders, so a URL's
    content never changes: they get a year-long immutable Cache-Control.
    """
    class _StaticFiles(StaticFiles):
        async def check_config(self) -> None:
            # Without fetched assets, answer 404 rather than 500.
            if Path(directory).is_dir():
                await super().check_config()

        async def get_response(self, path: str, scope):
            response = await super().get_response(path, scope)
            if response.status_code in (200, 304):
                first = path.replace("\\", "/").lstrip("/").split("/", 1)[0]
                response.headers["Cache-Control"] = (
                    "public, max-age=31536000, immutable" if first == "vendor" else "no-cache"
                )
            return response

    # Browsers ask for /favicon.ico on every page; answer it rather than log a 404.
    app.add_api_route("/favicon.ico", lambda: FileResponse(STATIC_DIR / "favicon.ico", media_type="image/x-icon",
                                                         headers={"Cache-Control": "public, max-age=86400"}),
                      include_in_schema=False)
    if not Path(directory).is_dir():
        log.warning("static directory missing: %s (run scripts/fetch-assets.sh)", directory)
    # check_dir=False: the app still starts without fetched assets (the API works).
    app.mount(url_prefix(prefix) or "/", _StaticFiles(directory=directory, check_dir=False),
              name="static")
