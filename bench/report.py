"""Ratios against tipg and the ceiling, the issue's targets, and the printed summary table."""
from __future__ import annotations


def _ratio(a, b):
    return round(a / b, 2) if a and b else None


def ratios(results: dict) -> dict:
    out = {}
    for key, pair in results.get("items", {}).items():
        out[f"{key}_vs_tipg"] = _ratio(pair["ours"]["rps"], pair["tipg"]["rps"])
    for key, pair in results.get("tiles", {}).items():
        out[f"{key}_vs_tipg"] = _ratio(pair["ours"]["rps"], pair["tipg"]["rps"])
    for limit, ceiling in results.get("ceiling", {}).items():
        ours = results.get("items", {}).get(f"items_{limit}_c16", {}).get("ours", {})
        out[f"items_{limit}_c16_vs_pgbench_ceiling"] = _ratio(ours.get("rps"), ceiling.get("tps"))
    qgis = results.get("qgis", {})
    if qgis.get("ours", {}).get("seconds") and qgis.get("tipg", {}).get("seconds"):
        # Rate-based, so a tipg load stopped at the deadline still gives a (lower-bound) ratio.
        ours_rate = qgis["ours"]["features"] / qgis["ours"]["seconds"]
        tipg_rate = qgis["tipg"]["features"] / qgis["tipg"]["seconds"]
        out["qgis_full_load_vs_tipg"] = _ratio(ours_rate, tipg_rate)
    return out


def _get(d: dict, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def targets(results: dict, r: dict) -> list[dict]:
    """The issue's targets, each with what was measured and whether it was met (None: not measured)."""
    def row(name, measured, ok):
        return {"target": name, "measured": measured, "met": None if measured is None else ok(measured)}

    rows = [row(f"items limit {n} c16 >= 3x tipg", r.get(f"items_limit{n}_c16_vs_tipg"), lambda v: v >= 3)
            for n in (100, 1000)]
    item_ratios = [v for k, v in r.items() if k.startswith("items_") and k.endswith("_vs_tipg")]
    rows.append(row("items >= 1.5x tipg at every size", min(item_ratios) if item_ratios else None,
                    lambda v: v >= 1.5))
    rows.append(row("items limit 1000 c16 >= 40% of pgbench ceiling",
                    r.get("items_limit1000_c16_vs_pgbench_ceiling"), lambda v: v >= 0.4))
    tile_ratios = [v for k, v in r.items() if k.startswith("tiles_z") and k.endswith("_c16_vs_tipg")]
    rows.append(row("tiles z12-z16 >= 1.5x tipg (lowest zoom ratio)",
                    min(tile_ratios) if tile_ratios else None, lambda v: v >= 1.5))
    rows.append(row("tiles z14 p95 < 50 ms (concurrency 1)",
                    _get(results, "tiles", "tiles_z14_c1", "ours", "p95_ms"), lambda v: v < 50))
    pc = results.get("parcel_check", {})
    rows.append(row("parcel check single p95 < 30 ms (c1)", _get(pc, "single", "c1", "p95_ms"),
                    lambda v: v < 30))
    rows.append(row("parcel check batch 10k < 10 s", _get(pc, "batch_10k", "wall_s"), lambda v: v < 10))
    rows.append(row("parcel check batch 100k < 20 s", _get(pc, "batch_100k", "wall_s"), lambda v: v < 20))
    for fmt in ("geojsonseq", "gpkg"):
        rows.append(row(f"export 200k {fmt}: peak RSS growth < 100 MB",
                        _get(results, "exports", fmt, "rss_growth_mb"), lambda v: v < 100))
    rows.append(row("QGIS full load >= 10x faster than tipg", r.get("qgis_full_load_vs_tipg"),
                    lambda v: v >= 10))
    return rows


def summary_table(results: dict) -> str:
    lines = [f"{'workload':30} {'ours req/s':>11} {'tipg req/s':>11} {'ratio':>6}  "
             f"{'ours p50/p95 ms':>17} {'tipg p50/p95 ms':>17}"]
    for section in ("items", "tiles"):
        for key, pair in results.get(section, {}).items():
            o, t = pair["ours"], pair["tipg"]
            lines.append(f"{key:30} {o['rps']:11.1f} {t['rps']:11.1f} {_ratio(o['rps'], t['rps']) or 0:6.2f}  "
                         f"{o['p50_ms']:8.1f}/{o['p95_ms']:<8.1f} {t['p50_ms']:8.1f}/{t['p95_ms']:<8.1f}")
    for limit, c in results.get("ceiling", {}).items():
        lines.append(f"pgbench ceiling {limit:14} {c['tps']:11.1f} (16 clients, same SQL)")
    lines.append("")
    for t in results.get("targets", []):
        mark = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        lines.append(f"  [{mark:12}] {t['target']}: {t['measured']}")
    return "\n".join(lines)
