"""Plan-wide analyses: compare two dates, the conflict register, overlay statistics, site search."""
