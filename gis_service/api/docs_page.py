"""The Swagger UI page (``/docs``) with every asset served by this service."""
from __future__ import annotations

from typing import Any

from fastapi.openapi.docs import get_swagger_ui_html

from gis_service.maps.cdn import SWAGGER, vendor_url


def swagger_ui_html(openapi_url: str, title: str, static_prefix: str = "/static", **kwargs: Any):
    """FastAPI's Swagger UI page with every asset served locally.

    ``validatorUrl: null`` keeps Swagger UI from calling the online validator.
    Extra keyword arguments go to ``get_swagger_ui_html``.
    """
    params = {"validatorUrl": None, **(kwargs.pop("swagger_ui_parameters", None) or {})}
    return get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=vendor_url(f"{SWAGGER}/swagger-ui-bundle.js", static_prefix),
        swagger_css_url=vendor_url(f"{SWAGGER}/swagger-ui.css", static_prefix),
        swagger_favicon_url=vendor_url(f"{SWAGGER}/favicon-32x32.png", static_prefix),
        swagger_ui_parameters=params,
        **kwargs,
    )
