"""Cross-site request forgery checks for the browser form.

Three layers: the session cookie is SameSite=Lax (not sent on cross-site POSTs),
the request must not come from another origin (Origin / Sec-Fetch-Site), and
the form must carry the session's CSRF token.
"""
from __future__ import annotations

import hmac

from starlette.requests import Request

from gis_service.auth.principal import Forbidden, Principal


class CsrfFailed(Forbidden):
    code = "csrf_failed"


def _refuse(reason_en: str) -> CsrfFailed:
    return CsrfFailed("跨站请求被拒绝（CSRF 校验失败），请从本站页面提交", f"cross-site request refused: {reason_en}")


def check_same_origin(request: Request) -> None:
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise _refuse("Sec-Fetch-Site is cross-site")
    origin = request.headers.get("origin")
    own = f"{request.base_url.scheme}://{request.base_url.netloc}"
    if origin is not None and origin.rstrip("/") != own:
        raise _refuse(f"Origin {origin} is not {own}")


def check_form(request: Request, principal: Principal, token: str | None) -> None:
    check_same_origin(request)
    if principal.via != "session" or not principal.csrf_token or not token \
            or not hmac.compare_digest(principal.csrf_token, token):
        raise _refuse("missing or wrong CSRF token")
