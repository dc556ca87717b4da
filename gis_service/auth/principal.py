"""The caller of a request: a key's name and role, or anonymous."""
from __future__ import annotations

from dataclasses import dataclass

from gis_service.errors import GisError

ROLE_RANK = {"anonymous": 0, "viewer": 1, "editor": 2, "admin": 3}


@dataclass(frozen=True)
class Principal:
    name: str                 # key name (also the actor in history), or "anonymous"
    role: str                 # viewer | editor | admin | anonymous
    key_id: int | None = None
    via: str = "none"         # bearer | x-api-key | basic | session | none
    csrf_token: str | None = None  # browser sessions only
    unconditional_writes: bool = False  # set by an admin for desktop clients that send no If-Match

    @property
    def authenticated(self) -> bool:
        return self.key_id is not None

    def can(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


ANONYMOUS = Principal("anonymous", "anonymous")


class Unauthorized(GisError):
    code = "unauthorized"
    status = 401


class Forbidden(GisError):
    code = "forbidden"
    status = 403


def require(principal: Principal, role: str, *, allow_session: bool = False) -> Principal:
    """401 without credentials, 403 with too small a role. A browser session may only
    write through the CSRF-checked HTML form, never through the JSON API."""
    if not principal.authenticated or (principal.via == "session" and not allow_session):
        raise Unauthorized(
            f"需要 {role} 权限的 API 密钥（Authorization: Bearer、X-API-Key 或 Basic 密码）",
            f"an API key with role {role} is required (Authorization: Bearer, X-API-Key, or Basic password)",
            detail={"required_role": role})
    if not principal.can(role):
        raise Forbidden(f"密钥 {principal.name} 的角色 {principal.role} 无此权限，需要 {role}",
                        f"key {principal.name!r} has role {principal.role}; {role} is required",
                        detail={"required_role": role, "role": principal.role})
    return principal
