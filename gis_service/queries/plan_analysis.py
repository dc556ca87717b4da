"""SQL for the plan-wide analyses: the history window and the comparison of two dates."""
from __future__ import annotations

# The first seed load: before it the system holds no data ("a date before the data").
FIRST_LOAD_SQL = "SELECT min(recorded_at) FROM progress_events WHERE action = 'load'"
