"""Downloads an analyst expects: CSV (WKT), styled GeoPackage, zipped Shapefile, KML, FlatGeobuf.

Every file declares its CRS where the format can: EPSG:4490 for GeoPackage,
Shapefile (``.prj``) and FlatGeobuf; KML is reprojected to EPSG:4326 as the
format requires; CSV cannot say, so ``ExportResult.crs`` carries it. Axis order
in every file is lon, lat. Rows with null geometry are kept in every format.
"""
from gis_service.services.exports.base import EXPORT_FORMATS, ExportResult
from gis_service.services.exports.export import STREAMED_FORMATS, export_frame, export_frames
from gis_service.services.exports.qml import build_qml, renderer_element
from gis_service.services.exports.shapefile import shapefile_field_names
from gis_service.services.exports.tabular import neutralise_formula

__all__ = [
    "EXPORT_FORMATS", "ExportResult", "STREAMED_FORMATS", "build_qml", "export_frame", "export_frames", "neutralise_formula",
    "renderer_element", "shapefile_field_names",
]
