"""Run by Debian's /usr/bin/python3 (QGIS 3.22), never imported by pytest.

Usage: python3 qgis_probe.py SPEC.json  — prints one JSON object on stdout.
SPEC: {"oapif": [{"key", "url", "typename"}], "gpkg": [{"key", "path"}], "projects": [path]}.
One process does everything: starting QGIS costs more than loading these layers.
"""
import json
import os
import sys
import time

from qgis.core import Qgis, QgsApplication, QgsProject, QgsRenderContext, QgsVectorLayer


def renderer_info(layer):
    renderer = layer.renderer()
    if renderer is None:
        return {"renderer": None}
    info = {"renderer": renderer.type()}
    if renderer.type() == "categorizedSymbol":
        info["class_attribute"] = renderer.classAttribute()
        info["categories"] = sorted(str(c.value()) for c in renderer.categories())
        info["labels"] = {str(c.value()): c.label() for c in renderer.categories()}
    info["colors"] = sorted({s.color().name() for s in renderer.symbols(QgsRenderContext())})
    return info


def feature_ids(layer):
    field = layer.fields().indexOf("id")
    ids = []
    for feature in layer.getFeatures():
        ids.append(str(feature.attribute(field)) if field >= 0 else str(feature.id()))
    return ids


def load_oapif(entry):
    started = time.monotonic()
    uri = f"url='{entry['url']}' typename='{entry['typename']}' pagingEnabled='true'"
    layer = QgsVectorLayer(uri, entry["typename"], "OAPIF")
    result = {"valid": layer.isValid()}
    if layer.isValid():
        result["feature_count"] = layer.featureCount()  # before iterating: numberMatched
        ids = feature_ids(layer)
        result.update(ids=ids, crs=layer.crs().authid(), wkb_type=layer.wkbType())
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def load_gpkg(entry):
    # Loading a GeoPackage applies the default style from its layer_styles table.
    layer = QgsVectorLayer(entry["path"], entry["key"], "ogr")
    result = {"valid": layer.isValid()}
    if layer.isValid():
        result.update(feature_count=layer.featureCount(), crs=layer.crs().authid(), **renderer_info(layer))
        result["default_style_in_db"] = bool(layer.listStylesInDatabase()[0])
        if entry.get("sld"):
            result["sld"] = load_sld(layer, entry["sld"])
    return result


def load_sld(layer, path):
    """The layer restyled from an SLD 1.1 file: QGIS turns filtered rules into a rule-based renderer."""
    message, ok = layer.loadSldStyle(path)
    renderer = layer.renderer()
    info = {"ok": bool(ok), "message": message, "renderer": renderer.type() if renderer else None}
    if renderer is not None and renderer.type() == "RuleRenderer":
        rules = renderer.rootRule().descendants()
        info["rules"] = {r.label(): r.symbol().color().name() for r in rules if r.symbol() is not None}
        info["filters"] = [r.filterExpression() for r in rules]
    info["labels_enabled"] = layer.labelsEnabled()
    return info


def load_project(path):
    project = QgsProject.instance()
    started = time.monotonic()
    ok = project.read(path)
    layers = {}
    for layer in project.mapLayers().values():
        info = {"name": layer.name(), "valid": layer.isValid(), "provider": layer.providerType(),
                "source": layer.source()}
        if layer.isValid():
            info.update(feature_count=layer.featureCount(), crs=layer.crs().authid(), **renderer_info(layer))
            info["iterated"] = sum(1 for _ in layer.getFeatures())
            info["labels_enabled"] = layer.labelsEnabled()
            if layer.labelsEnabled() and layer.labeling() is not None:
                info["label_field"] = layer.labeling().settings().fieldName
        node = project.layerTreeRoot().findLayer(layer.id())
        info["visible"] = bool(node and node.isVisible())
        layers[layer.id()] = info
    groups = {group.name(): [child.layerId() for child in group.findLayers()]
              for group in project.layerTreeRoot().findGroups()}
    result = {"read": ok, "crs": project.crs().authid(), "ellipsoid": project.ellipsoid(),
              "layers": layers, "groups": groups,
              "seconds": round(time.monotonic() - started, 3)}
    project.clear()
    return result


def main():
    spec = json.load(open(sys.argv[1], encoding="utf-8"))
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    out = {"qgis_version": Qgis.QGIS_VERSION}
    try:
        probe(spec, out)
    except Exception as exc:  # report, then still leave without exitQgis()
        out["error"] = f"{type(exc).__name__}: {exc}"
    sys.stdout.write("QGIS-PROBE-RESULT " + json.dumps(out, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    # QGIS 3.22 can crash in exitQgis() after network loads; the results are out already.
    os._exit(0)


def probe(spec, out):
    started = time.monotonic()
    out["oapif"] = {e["key"]: load_oapif(e) for e in spec.get("oapif", [])}
    out["oapif_seconds"] = round(time.monotonic() - started, 3)
    out["gpkg"] = {e["key"]: load_gpkg(e) for e in spec.get("gpkg", [])}
    out["projects"] = [load_project(p) for p in spec.get("projects", [])]


if __name__ == "__main__":
    main()
