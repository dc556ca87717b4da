"""Every table, so Alembic and the schema tests see one complete metadata."""
from gis_service.db import (  # noqa: F401  (imported for their tables)
    models_analysis, models_chain, models_limits, models_monitoring, models_parcel_check, models_parcels,
    models_post_write, models_progress, models_tiles,
)
from gis_service.db.models import Base

metadata = Base.metadata
