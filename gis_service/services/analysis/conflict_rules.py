"""What the conflict register checks: the layer pairs, the category → proposed use table and
the pairs left out because one feature was drawn from the other.

Severities, rules, bases and screening buffers are the parcel check's (``parcel_check.rules``);
this module only says which plan features are checked against which layers, and as what use.
"""
from __future__ import annotations

from gis_service.services.parcel_check import rules

# Subject layers (features whose siting is checked) and the use each category stands for.
# A category not listed is checked with no proposed use (the rule table's default column).
CATEGORY_USE: dict[str, dict[str, str]] = {
    "projects": {"industry": "industrial", "housing": "residential", "service": "commercial",
                 "education": "public", "health": "public", "utilities": "infrastructure",
                 "agriculture": "agricultural"},
    "urban_village_sites": {"urban_village": "residential", "urban_village_cluster": "residential"},
    "green_corridors": {"greenway": "ecological", "green_belt": "ecological", "river": "ecological",
                        "river_works": "ecological"},
    "ecology_sites": {"eco_restoration": "ecological", "forest_park": "ecological",
                      "reservoir": "infrastructure"},
}
# User layers (user_features): the feature's own ``proposed_use`` property, if it is one of rules.USES.
USER_USE_PROPERTY = "proposed_use"

# Object layers checked against, and which subjects each applies to ("user" = user layers).
# Zones apply to every subject; water and the forest park to what is built on a site.
SITED = ("projects", "urban_village_sites", "user")
PAIRS: dict[str, tuple[str, ...]] = {
    "prohibited": ("projects", "urban_village_sites", "green_corridors", "ecology_sites", "user"),
    "restricted": ("projects", "urban_village_sites", "green_corridors", "ecology_sites", "user"),
    "reservoir": SITED,
    "forest_park": SITED,
    "river": SITED,
}

# Left out: the zone was drawn from the feature (see layerbuild/zones.py), so their overlap is by
# construction, not a conflict. (subject collection, subject id, zone class)
DERIVED_PAIRS: frozenset[tuple[str, str, str]] = frozenset({
    ("green_corridors", "bai-shui-he", "prohibited"),            # 白水河 ± its corridor
    ("ecology_sites", "hua-yuan-tou-shui-ku", "prohibited"),     # 花园头水库 + its ring
    ("ecology_sites", "ren-min-shui-ku", "prohibited"),          # 人民水库 (no location yet)
    ("ecology_sites", "bai-ma-si-shan-sen-lin-gong-yuan", "restricted"),  # 白马寺山森林公园
})

# Reach of each object kind: the farthest screening band (metres, EPSG:4547).
def reach_m(kind: str) -> float:
    bands = {"prohibited": (), "restricted": rules.BUFFERS["restricted_zone"],
             "reservoir": rules.BUFFERS["reservoir"] + rules.BUFFERS["zoned_reservoir"],
             "forest_park": rules.BUFFERS["forest_park"],
             "river": rules.BUFFERS["river"] + rules.BUFFERS["zoned_river"]}[kind]
    return max((b.high_m for b in bands), default=0.0)


# Register severity -> warning-register severity.
WARNING_SEVERITY = {"conflict": "red", "review": "yellow", "info": "info"}
REGISTERED = ("review", "conflict")  # below that (ok, boundary touches) nothing is registered


def proposed_use(collection: str, category: str | None, user_use: str | None, is_user: bool) -> str | None:
    if is_user:
        return user_use if user_use in rules.USES else None
    return CATEGORY_USE.get(collection, {}).get(category or "")
