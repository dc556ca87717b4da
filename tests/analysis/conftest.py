"""Analysis fixtures: the progress suite's clients, keys and SQL helper."""
from ..progress.conftest import bearer, db, keys, make_client  # noqa: F401
