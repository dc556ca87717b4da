"""OGC API capabilities: the collection and landing documents, items parameters, items pages and tiles."""
