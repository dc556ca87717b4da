"""Services: GeoJSON/OGC documents, downloads, analysis, progress."""
