"""/styles and /collections/{id}/styles: style.json, SLD 1.1 and QML from the one style definition,
checked against the vocabulary's colours and labels (the definition's sources)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import mapbox_vector_tile
import pytest

from gis_service.vocab import PROJECT_STATUS, VILLAGE_STATUS, ZONE_CLASSES

SE = "{http://www.opengis.net/se}"
OGC = "{http://www.opengis.net/ogc}"


def test_listings_link_to_every_format(client):
    styles_rel = "http://www.opengis.net/def/rel/ogc/1.0/styles"
    for doc in (client.get("/?f=json").json(), client.get("/collections/function_zones?f=json").json()):
        assert [link["rel"] for link in doc["links"]].count(styles_rel) == 1
    listing = client.get("/styles").json()
    links = [link for s in listing["styles"] for link in s["links"]]
    per_collection = client.get("/collections/function_zones/styles").json()
    links += [link for s in per_collection["styles"] for link in s["links"]]
    assert {link["type"].split(";")[0] for link in links} == {
        "application/vnd.mapbox.style+json", "application/vnd.ogc.sld+xml", "application/vnd.qgis.qml+xml"}
    for link in links:
        r = client.get(link["href"].replace("http://testserver", ""))
        assert r.status_code == 200, link
        assert r.headers["content-type"].startswith(link["type"].split(";")[0])


def _layers(style: dict, collection: str, kind: str) -> list[dict]:
    return [layer for layer in style["layers"] if layer.get("source") == collection and layer["type"] == kind]


def test_style_json_draws_zone_classes_and_statuses_in_house_colours(client):
    style = client.get("/styles/plan?f=mapbox").json()
    assert style["version"] == 8
    fills = {layer["metadata"]["class"]: layer for layer in _layers(style, "function_zones", "fill")}
    for code, zone in ZONE_CLASSES.items():
        assert fills[code]["paint"]["fill-color"].upper() == zone.colour.upper()
        assert fills[code]["filter"] == ["==", ["get", "zone_class"], code]
        assert fills[code]["metadata"]["label"] == zone.zh
    hatched = [layer for layer in _layers(style, "function_zones", "line") if layer["id"].endswith("-hatch")]
    assert [layer["metadata"]["class"] for layer in hatched] == [c for c, z in ZONE_CLASSES.items() if z.hatched]
    assert hatched[0]["paint"]["line-dasharray"]
    for collection, vocabulary, kind, prop in (("projects", PROJECT_STATUS, "circle", "circle-color"),
                                               ("urban_village_sites", VILLAGE_STATUS, "fill", "fill-color")):
        colours = {layer["metadata"]["class"]: layer["paint"][prop] for layer in _layers(style, collection, kind)}
        assert {code: colours[code] for code in vocabulary} == {code: s.colour for code, s in vocabulary.items()}
    assert any(layer["type"] == "symbol" and layer["source"] == "projects" for layer in style["layers"])
    # The sources are our tiles, and they answer.
    template = style["sources"]["function_zones"]["tiles"][0].replace("http://testserver", "")
    tile = client.get(template.format(z=0, x=0, y=0))
    assert tile.status_code == 200 and "function_zones" in mapbox_vector_tile.decode(tile.content)


def test_sld_rules_carry_the_chinese_classes_and_colours(client):
    r = client.get("/collections/function_zones/styles/default?f=sld11")
    root = ET.fromstring(r.content)
    assert root.get("version") == "1.1.0"
    rules = {}
    for rule in root.iter(f"{SE}Rule"):
        literal = rule.find(f"{OGC}Filter/{OGC}PropertyIsEqualTo/{OGC}Literal")
        if literal is not None:
            fill = rule.find(f"{SE}PolygonSymbolizer/{SE}Fill/{SE}SvgParameter[@name='fill']").text
            rules[literal.text] = (rule.find(f"{SE}Description/{SE}Title").text, fill, rule)
    assert {code: rules[code][:2] for code in ZONE_CLASSES} == {code: (z.zh, z.colour) for code, z in ZONE_CLASSES.items()}
    hatch = rules["prohibited"][2].find(f".//{SE}GraphicFill//{SE}WellKnownName")
    assert hatch is not None and hatch.text == "shape://slash"
    assert rules["optimized"][2].find(f".//{SE}GraphicFill") is None
    assert any(rule.find(f"{SE}ElseFilter") is not None for rule in root.iter(f"{SE}Rule"))
    projects = ET.fromstring(client.get("/collections/projects/styles/default?f=sld11").content)
    titles = {rule.find(f"{SE}Description/{SE}Title").text for rule in projects.iter(f"{SE}Rule")
              if rule.find(f"{SE}Description/{SE}Title") is not None}
    assert {s.zh for s in PROJECT_STATUS.values()} <= titles
    assert projects.find(f".//{SE}TextSymbolizer/{SE}Label/{OGC}PropertyName").text == "name"


def test_qml_keeps_deriving_from_the_same_definition(client):
    qml = ET.fromstring(client.get("/collections/urban_village_sites/styles/default?f=qml").text.split("\n", 1)[1])
    renderer = qml.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "status"
    labels = {c.get("value"): c.get("label") for c in renderer.iter("category")}
    assert {code: labels[code] for code in VILLAGE_STATUS} == {code: s.zh for code, s in VILLAGE_STATUS.items()}


@pytest.mark.parametrize("path,status,parameter", [
    ("/styles/plan?f=docx", 400, "f"),
    ("/styles/plan?f=qml", 400, "f"),
    ("/collections/projects/styles/default?f=svg", 400, "f"),
])
def test_bad_style_requests_are_bilingual_4xx(client, path, status, parameter):
    r = client.get(path)
    assert r.status_code == status, r.text
    assert r.json()["detail"]["parameter"] == parameter and r.json()["message_zh"]


def test_unknown_styles_are_404(client):
    assert client.get("/styles/nosuch").status_code == 404
    assert client.get("/collections/projects/styles/nosuch").status_code == 404
    assert client.get("/collections/nosuch/styles").status_code == 404
