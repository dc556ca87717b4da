"""OGC API – Features documents: landing page, conformance, collections."""
from __future__ import annotations

from gis_service.crs import SUPPORTED_OUTPUT_CRS, STORAGE_EPSG, EPSG_URI_PREFIX
from sqlalchemy import Connection

from gis_service.queries.registry import Collection, list_collections
from gis_service.services.ogc.items import collection_extent
from gis_service.services.exports.base import EXPORT_FORMATS

OPENAPI_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"
GEOJSON = "application/geo+json"
QGIS_PROJECT_MEDIA_TYPE = "application/x-qgis-project"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
    "http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",  # unaccent: migration 0012
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    # Create (POST), replace (PUT), update (PATCH), delete, with ETag/If-Match locking.
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/core-roles-features",
    "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/sortables",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/ogc-process-description",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/json",
]

# Download formats linked from every collection: token → (media type, title).
# The download links of a collection: media types from the export formats, titles for people.
_DOWNLOAD_TITLES = {
    "geojsonseq": "GeoJSON 文本序列 / GeoJSON-Seq", "csv": "CSV (WKT)",
    "gpkg": "GeoPackage（含 QGIS 样式）/ styled GeoPackage", "shp": "Shapefile (zip)", "kml": "KML",
    "fgb": "FlatGeobuf", "xlsx": "Excel 表格 / XLSX",
}
DOWNLOADS = {"json": (GEOJSON, "GeoJSON"), "geojsonseq": ("application/geo+json-seq", _DOWNLOAD_TITLES["geojsonseq"]),
             **{token: (media, _DOWNLOAD_TITLES[token]) for token, (media, _) in EXPORT_FORMATS.items()}}


def link(href: str, rel: str, type_: str, title: str, **extra) -> dict:
    return {"href": href, "rel": rel, "type": type_, "title": title, **extra}


def landing_page(base: str, title: str, description: str) -> dict:
    return {
        "title": title,
        "description": description,
        "links": [
            link(f"{base}/?f=json", "self", "application/json", "本页 / this document"),
            link(f"{base}/?f=html", "alternate", "text/html", "网页版 / as HTML"),
            link(f"{base}/api", "service-desc", OPENAPI_MEDIA_TYPE, "OpenAPI 3.0 定义 / API definition"),
            link(f"{base}/docs", "service-doc", "text/html", "接口文档 / API documentation"),
            link(f"{base}/conformance", "conformance", "application/json", "一致性声明 / conformance"),
            link(f"{base}/collections", "data", "application/json", "图层列表 / collections"),
            link(f"{base}/processes", "http://www.opengis.net/def/rel/ogc/1.0/processes", "application/json",
                 "处理过程 / processes"),
            link(f"{base}/styles", "http://www.opengis.net/def/rel/ogc/1.0/styles", "application/json",
                 "样式（MapLibre style.json、SLD 1.1）/ styles"),
            qgis_project_link(base),
        ],
    }


def qgis_project_link(base: str) -> dict:
    return link(f"{base}/qgis/project.qgs", "related", QGIS_PROJECT_MEDIA_TYPE,
                "QGIS 工程（全部图层，OGC API）/ QGIS project with every layer")


def conformance() -> dict:
    return {"conformsTo": CONFORMANCE}


def collection_document(base: str, c: Collection, extent: list[float] | None) -> dict:
    href = f"{base}/collections/{c.id}"
    links = [
        link(f"{href}?f=json", "self", "application/json", "本图层 / this collection"),
        link(f"{href}?f=html", "alternate", "text/html", "网页版 / as HTML"),
        link(f"{href}/items?f=json", "items", GEOJSON, f"{c.title} 要素 / features"),
        link(f"{href}/items?f=html", "items", "text/html", f"{c.title} 要素网页 / features as HTML"),
        link(f"{href}/queryables", "http://www.opengis.net/def/rel/ogc/1.0/queryables",
             "application/schema+json", "可查询属性 / queryables"),
        link(f"{href}/schema", "http://www.opengis.net/def/rel/ogc/1.0/schema", "application/schema+json",
             "要素模式 / schema"),
        link(f"{href}/sortables", "http://www.opengis.net/def/rel/ogc/1.0/sortables", "application/schema+json",
             "可排序属性 / sortables"),
        link(f"{href}/styles", "http://www.opengis.net/def/rel/ogc/1.0/styles", "application/json",
             "样式 / styles"),
    ]
    for token, (media_type, title) in DOWNLOADS.items():
        if token != "json":
            links.append(link(f"{href}/items?f={token}", "enclosure", media_type, f"下载 / download {title}"))
    doc = {
        "id": c.id,
        "title": c.title_zh,
        "description": c.description_zh or c.title_zh,
        "title_en": c.title_en,
        "description_en": c.description_en,
        "itemType": "feature",
        "links": links,
        "crs": list(SUPPORTED_OUTPUT_CRS),
        "storageCrs": f"{EPSG_URI_PREFIX}{STORAGE_EPSG}",
        "geometry_type": c.geometry_type,
        "kind": c.kind,
        "source": c.source,
        "license": c.license,
        "data_version": c.data_version,
        "numberMatched": c.feature_count,
    }
    spatial = {"crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
    if extent:
        spatial["bbox"] = [extent]
    doc["extent"] = {"spatial": spatial}
    if c.temporal_property:
        doc["extent"]["temporal"] = {"interval": [[None, None]],
                                     "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    return doc


def queryables_document(base: str, c: Collection) -> dict:
    properties = {}
    for name, prop in c.properties.items():
        schema = {"title": name, "type": prop.json_type}
        if prop.format:
            schema["format"] = prop.format
        properties[name] = schema
    geometry_ref = {
        "Point": "https://geojson.org/schema/Point.json",
        "MultiPolygon": "https://geojson.org/schema/MultiPolygon.json",
        "MultiLineString": "https://geojson.org/schema/MultiLineString.json",
    }.get(c.geometry_type or "", "https://geojson.org/schema/Geometry.json")
    properties["geometry"] = {"title": "geometry", "format": f"geometry-{(c.geometry_type or 'any').lower()}",
                              "$ref": geometry_ref}
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": f"{base}/collections/{c.id}/queryables",
        "type": "object",
        "title": c.title_zh,
        "properties": properties,
        "additionalProperties": False,
    }


def collections_document(conn: Connection, base: str) -> dict:
    docs = [collection_document(base, c, collection_extent(conn, c)) for c in list_collections(conn)]
    return {"links": [link(f"{base}/collections?f=json", "self", "application/json", "图层列表 / collections"),
                      link(f"{base}/collections?f=html", "alternate", "text/html", "网页版 / as HTML"),
                      qgis_project_link(base)],
            "collections": docs}


def collection_document_for(conn: Connection, base: str, c: Collection) -> dict:
    return collection_document(base, c, collection_extent(conn, c))
