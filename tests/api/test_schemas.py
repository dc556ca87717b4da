"""Part 5: /collections/{id}/schema and /sortables, typed, with roles, declared in /conformance."""
from __future__ import annotations

import jsonschema
import pytest

PART5 = ("http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/schemas",
         "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/core-roles-features",
         "http://www.opengis.net/spec/ogcapi-features-5/1.0/conf/sortables")


def test_part5_is_declared_and_linked(client):
    classes = set(client.get("/conformance").json()["conformsTo"])
    assert set(PART5) <= classes
    rels = {link["rel"]: link["href"] for link in client.get("/collections/projects").json()["links"]}
    assert rels["http://www.opengis.net/def/rel/ogc/1.0/schema"].endswith("/collections/projects/schema")
    assert rels["http://www.opengis.net/def/rel/ogc/1.0/sortables"].endswith("/collections/projects/sortables")


@pytest.mark.parametrize("collection", ["projects", "urban_village_sites", "green_corridors", "function_zones"])
def test_schema_is_valid_typed_and_describes_the_features(client, collection):
    r = client.get(f"/collections/{collection}/schema")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/schema+json")
    schema = r.json()
    jsonschema.Draft202012Validator.check_schema(schema)
    props = schema["properties"]
    roles = {name: p["x-ogc-role"] for name, p in props.items() if "x-ogc-role" in p}
    assert roles["id"] == "id" and roles["geometry"] == "primary-geometry"
    assert [p["x-ogc-propertySeq"] for p in props.values()] == list(range(1, len(props) + 1))
    features = client.get(f"/collections/{collection}/items", params={"limit": 200}).json()["features"]
    assert features
    # Every feature's properties conform to the schema (geometry is described by its role, not a subschema).
    validator = jsonschema.Draft202012Validator({**schema, "properties": {
        k: v for k, v in props.items() if k != "geometry"}}, format_checker=jsonschema.FormatChecker())
    for feature in features:
        errors = list(validator.iter_errors(feature["properties"]))
        assert not errors, (feature["id"], errors[0].message)
    if collection == "projects":
        assert roles["status_date"] == "primary-instant" and props["status_date"]["format"] == "date"
        assert props["investment_planned_wan"]["type"] == ["number", "null"] and props["name"]["type"] == "string"
        assert "readOnly" not in props["status"] and props["updated_at"]["readOnly"] is True
        assert "ongoing" in props["status"]["enum"] and schema["required"] == ["name"]
    if collection == "function_zones":  # seed-only: nothing a client may write
        assert all(p.get("readOnly") for n, p in props.items() if n not in ("id", "geometry"))


def test_sortables_order_the_items(client):
    sortables = client.get("/collections/projects/sortables").json()
    jsonschema.Draft202012Validator.check_schema(sortables)
    assert "geometry" not in sortables["properties"]
    assert sortables["properties"]["percent_complete"]["type"] == ["number", "null"]
    for name in sortables["properties"]:
        r = client.get("/collections/projects/items", params={"sortby": f"-{name}", "limit": 50})
        assert r.status_code == 200, (name, r.text)
    names = [f["properties"]["name"] for f in client.get(
        "/collections/projects/items", params={"sortby": "name", "limit": 1000}).json()["features"]]
    assert len(names) > 10


def test_schema_of_an_unknown_collection(client):
    r = client.get("/collections/nope/schema")
    assert r.status_code == 404 and r.json()["message_zh"] and r.json()["message"]
