"""Implementation supervision: the warning register."""
