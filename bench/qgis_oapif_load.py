"""Run by Debian's /usr/bin/python3 (python3-qgis), never imported by the bench's venv.

Usage: python3 qgis_oapif_load.py URL TYPENAME DEADLINE_S — prints one JSON line.
Loads every feature of one collection over OAPIF the way QGIS's "Add layer" does
(paging on, the server's defaults), and stops at the deadline with a partial count.
"""
import json
import os
import sys
import time

from qgis.core import Qgis, QgsApplication, QgsVectorLayer


def load(url, typename, deadline_s):
    started = time.monotonic()
    layer = QgsVectorLayer(f"url='{url}' typename='{typename}' pagingEnabled='true'", typename, "OAPIF")
    result = {"valid": layer.isValid(), "qgis_version": Qgis.QGIS_VERSION}
    if not layer.isValid():
        return result
    count, complete = 0, True
    for _feature in layer.getFeatures():
        count += 1
        if count % 1000 == 0 and time.monotonic() - started > deadline_s:
            complete = False
            break
    result.update(features=count, complete=complete, seconds=round(time.monotonic() - started, 2),
                  feature_count=layer.featureCount())
    return result


def main():
    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    try:
        out = load(sys.argv[1], sys.argv[2], float(sys.argv[3]))
    except Exception as exc:
        out = {"error": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write("QGIS-LOAD-RESULT " + json.dumps(out) + "\n")
    sys.stdout.flush()
    # QGIS 3.22 can crash in exitQgis() after network loads; the result is out already.
    os._exit(0)


if __name__ == "__main__":
    main()
