"""The rule table, the proposed-use matrix and the screening buffers (docs/DOMAIN.md, Parcel-check rules).

Everything a report cites lives here, in Chinese first with English beside it.
"""
from __future__ import annotations

from dataclasses import dataclass

from gis_service import vocab

SEVERITIES = tuple(vocab.HIT_SEVERITIES)  # in rank order
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
SEVERITY_ZH = {code: s.zh for code, s in vocab.HIT_SEVERITIES.items()}
SEVERITY_EN = {code: s.en for code, s in vocab.HIT_SEVERITIES.items()}

USES: dict[str, tuple[str, str]] = {
    "residential": ("居住", "residential"),
    "commercial": ("商业", "commercial"),
    "industrial": ("工业", "industrial"),
    "public": ("公共服务设施", "public facilities"),
    "infrastructure": ("基础设施", "infrastructure"),
    "agricultural": ("农业", "agricultural"),
    "ecological": ("生态保护修复", "ecological"),
}

# use -> severity per layer column; columns: optimized, key, restricted, prohibited, forest_park.
USE_MATRIX: dict[str, dict[str, str]] = {
    "residential": dict(optimized="ok", key="ok", restricted="conflict", prohibited="conflict",
                        forest_park="conflict"),
    "commercial": dict(optimized="ok", key="ok", restricted="conflict", prohibited="conflict",
                       forest_park="conflict"),
    "industrial": dict(optimized="review", key="ok", restricted="conflict", prohibited="conflict",
                       forest_park="conflict"),
    "public": dict(optimized="ok", key="ok", restricted="review", prohibited="conflict",
                   forest_park="review"),
    "infrastructure": dict(optimized="ok", key="ok", restricted="review", prohibited="review",
                           forest_park="review"),
    "agricultural": dict(optimized="ok", key="ok", restricted="ok", prohibited="conflict",
                         forest_park="review"),
    "ecological": dict(optimized="ok", key="ok", restricted="ok", prohibited="review", forest_park="ok"),
}
DEFAULT_SEVERITY = dict(optimized="ok", key="ok", restricted="review", prohibited="conflict",
                        forest_park="review")

PLAN_BASIS = "《城区“十三五”规划纲要》第四章第二节一 主体功能区"
PLAN_LABEL = "依据《城区“十三五”规划纲要》(2016–2020)"
DISCLAIMER_ZH = "初筛结果，不作为法定审查结论。"
DISCLAIMER_EN = "Screening result only; not a statutory review decision."

BOUNDARY_TOUCH_M2 = 1.0
MINOR_SHARE = 0.001  # 0.1 % of the parcel ...
MINOR_M2 = 100.0  # ... and 100 m²: below both, an overlap is a boundary touch


@dataclass(frozen=True)
class Rule:
    column: str | None  # USE_MATRIX column, or None for a fixed severity
    rule_zh: str
    rule_en: str
    basis: str
    fixed: str = "info"


ZONE_RULES: dict[str, Rule] = {
    "optimized": Rule("optimized", "优化开发区：优化存量，推进城市更新、服务业和公共设施建设，限制新增工业用地",
                      "Optimized development zone: renew the existing stock, services and public "
                      "facilities; limit new industrial land", PLAN_BASIS),
    "key": Rule("key", "重点开发区：工业化、城镇化的主要区域",
                "Key development zone: the main area for industrialisation and urbanisation", PLAN_BASIS),
    "restricted": Rule("restricted", "限制开发区（生态）：生态优先，点状开发，禁止蔓延式开发",
                       "Restricted development zone (ecological): ecology first, point-type "
                       "development only, no sprawl", PLAN_BASIS),
    "prohibited": Rule("prohibited", "禁止开发区：依法实施保护，禁止与保护、监测、修复无关的建设",
                       "Prohibited development zone: statutory protection; no construction unrelated "
                       "to protection, monitoring or restoration", PLAN_BASIS),
}

SITE_RULES: dict[str, Rule] = {
    "forest_park": Rule("forest_park", "森林公园：禁止房地产、工业、高尔夫球场、垃圾填埋、采矿采石；"
                        "旅游与公园设施需论证",
                        "Forest park: no real estate, industry, golf, landfill, mining or quarrying; "
                        "tourism and park facilities need justification", "森林公园管理规定；" + PLAN_BASIS),
    "reservoir": Rule("prohibited", "水库水面：饮用水水源可能的一级保护区，禁止与供水设施和保护水源无关的建设项目",
                      "Reservoir water: a potential grade-1 drinking-water protection zone; no projects "
                      "unrelated to water supply", "《中华人民共和国水污染防治法》第六十五条"),
    "eco_restoration": Rule(None, "生态修复工程范围（专栏5）：建设需与修复工程衔接",
                            "Ecological restoration works (专栏5): coordinate any construction with the works",
                            "《城区“十三五”规划纲要》专栏5"),
    "urban_village": Rule(None, "城中村改造范围（专栏8）：与改造项目衔接",
                          "Urban-village redevelopment site (专栏8): coordinate with the redevelopment",
                          "《城区“十三五”规划纲要》专栏8"),
}


@dataclass(frozen=True)
class Buffer:
    kind: str
    low_m: float
    high_m: float
    rule_zh: str
    rule_en: str
    basis: str


RIVER_BASIS = "《中华人民共和国河道管理条例》；山西省河道管理规定（护堤地 5–10 米）"
BUFFERS: dict[str, tuple[Buffer, ...]] = {
    # Measured outward from the 禁止开发区 polygon drawn round the reservoir.
    "zoned_reservoir": (Buffer("zoned_reservoir", 0, 2000,
                               "水库禁止开发区外 2 千米内：可能的饮用水水源二级保护区，禁止排放污染物的项目",
                               "Within 2 km beyond the reservoir's prohibited zone: a possible grade-2 "
                               "drinking-water protection zone; no polluting projects",
                               "《中华人民共和国水污染防治法》第六十六条"),),
    "reservoir": (Buffer("reservoir", 0, 2000, "水库 2 千米内：可能的饮用水水源保护区",
                         "Within 2 km of a reservoir: a possible drinking-water protection zone",
                         "《中华人民共和国水污染防治法》第六十五、六十六条"),),
    # Measured outward from the river's 禁止开发区 corridor.
    "zoned_river": (Buffer("zoned_river", 0, 50, "河道禁止开发区廊道外 50 米内：滨河退让（护岸缓冲）",
                           "Within 50 m beyond the river's prohibited corridor: riparian setback",
                           RIVER_BASIS),),
    "river": (Buffer("river", 0, 10, "距河道中心线 10 米内：可能属于河道管理范围，禁止在河道、堤防及护堤地建设",
                     "Within 10 m of the river line: possibly inside the river management area; no "
                     "building on the channel, dikes or dike-protection strip", RIVER_BASIS),
              Buffer("river_setback", 10, 50, "距河道中心线 10–50 米：滨河退让（护岸缓冲）",
                     "10–50 m from the river line: riparian setback", RIVER_BASIS)),
    "forest_park": (Buffer("forest_park", 0, 500, "森林公园外 500 米内：周边地区，建设需论证",
                           "Within 500 m outside a forest park: its surroundings; construction needs "
                           "justification", "森林公园管理规定；" + PLAN_BASIS),),
    "restricted_zone": (Buffer("restricted_zone", 0, 500, "限制开发区外 500 米内：周边地区，建设需论证",
                               "Within 500 m outside the restricted zone: its surroundings; construction "
                               "needs justification", PLAN_BASIS),),
}
ZONED_FRACTION = 0.5  # a feature at least half inside 禁止开发区 is "drawn as a prohibited polygon"

VERDICTS = {code: (s.zh, s.en) for code, s in vocab.VERDICTS.items()}
VERDICT_BY_SEVERITY = {"ok": "compliant", "info": "compliant", "review": "needs_review",
                       "conflict": "non_compliant"}

SCHEMATIC_NOTE_ZH = ("本结论依据示意性几何得出：相关图层的位置和范围为示意（geometry_quality = schematic），"
                     "实际边界可能不同，仅供初筛参考。")
SCHEMATIC_NOTE_EN = ("This verdict rests on schematic geometry: the positions and extents of the layers "
                     "involved are illustrative (geometry_quality = schematic) and real boundaries may "
                     "differ. Use it for screening only.")


def worst(severities) -> str:
    return max(severities, key=SEVERITY_RANK.__getitem__, default="ok")


def severity_for(rule: Rule, proposed_use: str | None) -> str:
    if rule.column is None:
        return rule.fixed
    if proposed_use is None:
        return DEFAULT_SEVERITY[rule.column]
    return USE_MATRIX[proposed_use][rule.column]


def use_clause(use: str, severity: str) -> tuple[str, str]:
    """How a proposed use decided a hit's severity, in words (never the codes)."""
    zh, en = USES[use]
    return (f"拟建用途“{zh}”在此为“{SEVERITY_ZH[severity]}”",
            f"proposed use {en}: {SEVERITY_EN[severity]} here")


def uses_that_change(rule: Rule) -> dict[str, str]:
    """Without a proposed use: the uses that would give another severity, and that severity."""
    if rule.column is None:
        return {}
    default = DEFAULT_SEVERITY[rule.column]
    return {use: row[rule.column] for use, row in USE_MATRIX.items() if row[rule.column] != default}


# A batch file's own use column: the names looked for (first found wins) and the spellings
# accepted for each use (its code, its Chinese name, that name with 用地, and common short forms).
USE_COLUMNS = ("拟用途", "拟建用途", "proposed_use", "用途", "地块用途")
_USE_SYNONYMS = {
    "residential": ("住宅", "住宅用地", "居住区"), "commercial": ("商服", "商服用地", "商业服务业", "商业服务业用地"),
    "industrial": ("工矿", "工矿仓储", "工矿仓储用地", "工业仓储"),
    "public": ("公共服务", "公共设施", "公共管理与公共服务", "公共管理与公共服务用地"),
    "infrastructure": ("市政", "市政设施", "交通运输", "交通运输用地"), "agricultural": ("农用地",),
    "ecological": ("生态", "生态保护", "生态用地"),
}
USE_ALIASES: dict[str, str] = {
    spelling.lower(): code
    for code, (zh, en) in USES.items()
    for spelling in (code, en, zh, zh + "用地", *_USE_SYNONYMS.get(code, ()))
}


def use_from_value(value) -> tuple[str | None, bool]:
    """A row's use value -> (use code, known). Blank is (None, True): the request's default applies."""
    if value is None or (isinstance(value, float) and value != value):
        return None, True
    spelled = str(value).strip().lower()
    if not spelled:
        return None, True
    code = USE_ALIASES.get(spelled)
    return code, code is not None
