"""The QGIS project shows what the maps show: Chinese class labels, status colours, name labels,
and the cadastre present but switched off."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from gis_service.services.exports.qml import qgis_color
from gis_service.vocab import PROJECT_STATUS, VILLAGE_STATUS, ZONE_CLASSES

from .test_parcels_and_tiles import client, parcels_db  # noqa: F401  (fixtures)


def project(client) -> ET.Element:  # noqa: F811
    r = client.get("/qgis/project.qgs")
    assert r.status_code == 200
    return ET.fromstring(r.text.split("\n", 1)[1])


def layer(root: ET.Element, collection: str) -> ET.Element:
    return next(m for m in root.iter("maplayer") if m.findtext("id") == f"{collection}_oapif")


def categories(maplayer: ET.Element) -> dict[str, tuple[str, ET.Element]]:
    renderer = maplayer.find("renderer-v2")
    symbols = {s.get("name"): s for s in renderer.find("symbols")}
    return {c.get("value"): (c.get("label"), symbols[c.get("symbol")]) for c in renderer.iter("category")}


def fill_colour(symbol: ET.Element) -> str:
    props = {p.get("k"): p.get("v") for p in symbol.find("layer").iter("prop")}
    return props["color"].rsplit(",", 1)[0]


def test_zone_classes_are_labelled_in_chinese(client):  # noqa: F811
    cats = categories(layer(project(client), "function_zones"))
    assert {code: cats[code][0] for code in ZONE_CLASSES} == {code: z.zh for code, z in ZONE_CLASSES.items()}
    assert "prohibited" not in {label for label, _ in cats.values()}
    hatched = {p.get("k"): p.get("v") for p in cats["prohibited"][1].find("layer").iter("prop")}
    assert hatched["style"] == "b_diagonal"


def test_projects_and_villages_are_coloured_by_status(client):  # noqa: F811
    root = project(client)
    for collection, vocabulary in (("projects", PROJECT_STATUS), ("urban_village_sites", VILLAGE_STATUS)):
        maplayer = layer(root, collection)
        assert maplayer.find("renderer-v2").get("attr") == "status"
        cats = categories(maplayer)
        got = {code: (cats[code][0], fill_colour(cats[code][1])) for code in vocabulary}
        assert got == {code: (s.zh, qgis_color(s.colour).rsplit(",", 1)[0]) for code, s in vocabulary.items()}


def test_features_are_labelled_by_name_and_parcels_start_switched_off(client):  # noqa: F811
    root = project(client)
    for collection in ("function_zones", "projects", "urban_village_sites", "green_corridors"):
        maplayer = layer(root, collection)
        assert maplayer.get("labelsEnabled") == "1"
        assert maplayer.find("labeling/settings/text-style").get("fieldName") == "name"
    checked = {t.get("id"): t.get("checked") for t in root.iter("layer-tree-layer")}
    assert checked.pop("parcels_oapif") == "Qt::Unchecked"
    assert checked and set(checked.values()) == {"Qt::Checked"}
