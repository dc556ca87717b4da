"""Capabilities, one sub-package each: ogc, map_pages, qgis, exports, parcel_check, progress;
``subscribers`` is the one list of post-write subscribers. See docs/ARCHITECTURE.md."""
