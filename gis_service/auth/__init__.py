"""Who is calling: API keys with roles, browser sessions, and the principal of each request."""
from gis_service.auth.principal import ANONYMOUS, ROLE_RANK, Principal

__all__ = ["ANONYMOUS", "ROLE_RANK", "Principal"]
