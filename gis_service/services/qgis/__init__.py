"""QGIS: the project file and the layer descriptions it is built from."""
