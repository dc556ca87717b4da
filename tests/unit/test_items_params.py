"""The items parameters are declared once: the OpenAPI components, the accepted names and the
type/range checks all come from services.ogc_params.ITEMS_PARAMETERS (no database needed)."""
from __future__ import annotations

import pytest

from gis_service.errors import BadParameter
from gis_service.services.ogc.params import ITEMS_PARAMETERS, openapi_parameters, parse_parameters


def test_components_are_the_documented_declaration_with_the_configured_limit():
    docs = openapi_parameters(default_limit=10, max_limit=500)
    assert list(docs) == [p.name for p in ITEMS_PARAMETERS if p.documented]
    assert docs["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 500, "default": 10}
    assert "500" in docs["limit"]["description"]
    assert all(d["in"] == "query" and d["required"] is False for d in docs.values())


@pytest.mark.parametrize("name, value", [
    ("precision", "16"), ("precision", "-1"), ("precision", "1.5"), ("simplify", "100001"),
    ("simplify", "nan"), ("limit", "0"), ("offset", str(2**31)), ("skipGeometry", "maybe"),
])
def test_declared_bounds_and_types_are_enforced(name, value):
    with pytest.raises(BadParameter) as refused:
        parse_parameters({name: value})
    assert refused.value.status == 400 and refused.value.detail["parameter"] == name
    assert refused.value.message_zh and name in refused.value.message_en


def test_values_are_typed_and_undeclared_names_are_left_for_property_filters():
    values, others = parse_parameters({"precision": "15", "simplify": "2.5", "skipGeometry": "1", "limit": "",
                                       "name": "x"})
    assert values == {"precision": 15, "simplify": 2.5, "skipGeometry": True}
    assert others == {"name": "x"}
