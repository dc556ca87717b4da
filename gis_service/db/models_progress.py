"""Tables for the progress work. Kept apart from models.py so each capability owns its tables."""
from __future__ import annotations

from gis_service.db.models import Base  # noqa: F401  (tables here register on Base.metadata)
