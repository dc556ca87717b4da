"""The schemathesis.toml for a run against a live server: which checks, which keys, which
real ids, and how many examples (a short CI profile and a long `make fuzz` one)."""
from __future__ import annotations

import json

CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance")
# Per-collection items paths share one handler: the CI run covers three in full, the rest lightly.
FULL_ITEMS = ("projects", "urban_village_sites", "admin_units")
ITEM_PATH = r"^/collections/\{collectionId\}/items/\{featureId\}"
PROFILES = {
    "ci": {"max_examples": 8, "slow_examples": 1, "light_examples": 3, "report_examples": 3},
    "long": {"max_examples": 100, "slow_examples": 10, "light_examples": 100, "report_examples": 20},
}


def _q(value: str) -> str:
    return json.dumps(value)  # a TOML basic string is a JSON string


def _operation(**fields) -> str:
    lines = ["[[operations]]"]
    for key, value in fields.items():
        lines.append(f"{key.replace('_', '-')} = {value}")
    return "\n".join(lines)


def build_config(target, profile: str, collections: list[str]) -> str:
    p = PROFILES[profile]
    slow = f"{{ max-examples = {p['slow_examples']} }}"
    parts = [
        f"[generation]\nmax-examples = {p['max_examples']}\ndatabase = \"none\"",
        "[cache]\nenabled = false",
        "[phases.stateful]\nenabled = false",
        "[checks]\nenabled = false\n" + "\n".join(f"{c}.enabled = true" for c in CHECKS),
        f"[headers]\nAuthorization = {_q('Bearer ' + target.editor)}",
        # Key administration and the audit log need an admin.
        _operation(include_path_regex=_q("^/(keys|audit)"),
                   headers=f"{{ Authorization = {_q('Bearer ' + target.admin)} }}"),
        # Real ids, so writes and reads reach the service logic, not only the 404 path;
        # DELETE retires its own feature so the other writes keep a live one.
        _operation(include_path_regex=_q(ITEM_PATH), exclude_method=_q("DELETE"),
                   parameters=f"{{ collectionId = \"projects\", featureId = {_q(target.feature_ids[0])} }}"),
        _operation(include_path_regex=_q(ITEM_PATH), include_method=_q("DELETE"),
                   parameters=f"{{ collectionId = \"projects\", featureId = {_q(target.feature_ids[1])} }}"),
        _operation(include_path_regex=_q(r"^/collections/\{collectionId\}(/queryables|/tiles.*)?$"),
                   parameters='{ collectionId = "projects", tileMatrixSetId = "WebMercatorQuad" }'),
        _operation(include_path_regex=_q("^/tileMatrixSets/"), parameters='{ tileMatrixSetId = "WebMercatorQuad" }'),
        _operation(include_path_regex=_q(r"^/indicators/\{code\}"), parameters='{ code = "1" }'),
        _operation(include_path_regex=_q("^/jobs/"), parameters=f"{{ job_id = {_q(target.job_id)} }}"),
        # The stored report: f=pdf starts Chromium, so few examples in CI.
        _operation(include_path_regex=_q(r"^/(analysis/parcel-check|maps/parcel)/\{report_id\}"),
                   parameters=f"{{ report_id = {_q(target.report_id)} }}",
                   generation=f"{{ max-examples = {p['report_examples']} }}"),
        # Static PNG/PDF renders take seconds each (300 dpi): a single example in CI.
        _operation(include_path_regex=_q(r"\.(png|pdf)$"), generation=slow,
                   phases="{ coverage = { enabled = %s } }" % ("true" if profile == "long" else "false")),
    ]
    light = [c for c in collections if c not in FULL_ITEMS]
    if light:
        parts.append(_operation(
            include_path_regex=_q("^/collections/(%s)/items$" % "|".join(light)),
            generation=f"{{ max-examples = {p['light_examples']} }}",
            phases="{ coverage = { enabled = %s } }" % ("true" if profile == "long" else "false")))
    return "\n\n".join(parts) + "\n"
