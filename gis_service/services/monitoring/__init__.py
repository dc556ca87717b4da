"""Implementation supervision: lifecycle stages, derived flags, indicator grades, warnings."""
