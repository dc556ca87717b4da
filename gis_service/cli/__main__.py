"""``python -m gis_service.cli``."""
from gis_service.cli import main

main()
