"""The production topology on one machine: primary + streaming replica, N app processes, nginx."""
