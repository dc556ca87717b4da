"""城区规划一张图: planning GIS service for 晋城市城区."""
__version__ = "0.1.0"
