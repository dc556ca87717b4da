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


def _fmt(v, digits=1):
    return "–" if v is None else (f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}")


def markdown(results: dict) -> str:
    """The tables docs/PERFORMANCE.md shows: `python -m bench.report bench/results/<date>.json`."""
    r = results.get("ratios", {})
    m, db, load = results.get("machine", {}), results.get("database", {}), results.get("load", {})
    loads = ", ".join(f"{k.replace('_', ' ')} {v.get('1m', v.get('load_at_start', {}).get('1m'))}"
                      for k, v in load.items())
    out = [f"Run {results.get('started')} – {results.get('finished')}: {m.get('cpu_model')}, {m.get('cores')} cores, "
           f"{_fmt(m.get('ram_mb'))} MB RAM, Linux {m.get('kernel')}, {m.get('os')}; PostgreSQL "
           f"{db.get('postgresql')}, PostGIS {db.get('postgis')} (GEOS {db.get('geos')}, PROJ {db.get('proj')}); "
           f"tipg / uvicorn / asyncpg {m.get('tipg_uvicorn_asyncpg')}; {_fmt(db.get('parcels'))} parcels "
           f"({db.get('parcels_table_mb')} MB). 1-minute load: {loads}.", "",
           "| workload | ours req/s (min–max) | tipg req/s (min–max) | ours ÷ tipg | ours p50 / p95 ms | "
           "tipg p50 / p95 ms |", "|---|---|---|---|---|---|"]
    for section in ("items", "tiles"):
        for key, pair in results.get(section, {}).items():
            o, t = pair["ours"], pair["tipg"]
            out.append(f"| `{key}` | {_fmt(o['rps'])} ({_fmt(o['rps_min'])}–{_fmt(o['rps_max'])}) | "
                       f"{_fmt(t['rps'])} ({_fmt(t['rps_min'])}–{_fmt(t['rps_max'])}) | "
                       f"**{_fmt(r.get(f'{key}_vs_tipg'), 2)}** | {_fmt(o['p50_ms'])} / {_fmt(o['p95_ms'])} | "
                       f"{_fmt(t['p50_ms'])} / {_fmt(t['p95_ms'])} |")
    out += ["", "| ceiling (pgbench, 16 clients, our page SQL) | tps | ours at c16 | fraction |", "|---|---|---|---|"]
    for limit, c in results.get("ceiling", {}).items():
        ours = _get(results, "items", f"items_{limit}_c16", "ours", "rps")
        out.append(f"| `{limit}` | {_fmt(c['tps'])} | {_fmt(ours)} | "
                   f"**{_fmt(r.get(f'items_{limit}_c16_vs_pgbench_ceiling'), 2)}** |")
    out += ["", "| measurement | value |", "|---|---|"]
    pc = results.get("parcel_check", {})
    if pc.get("available") is False or not pc:
        out.append(f"| parcel check | {pc.get('note', 'not measured')} |")
    else:
        c1, c16 = pc["single"].get("c1", {}), pc["single"].get("c16", {})
        out.append(f"| parcel check, one parcel, c1: p50 / p95 / p99 ms | {_fmt(c1.get('p50_ms'))} / "
                   f"{_fmt(c1.get('p95_ms'))} / {_fmt(c1.get('p99_ms'))} |")
        out.append(f"| parcel check, one parcel, c16: req/s (p50 ms) | {_fmt(c16.get('rps'))} "
                   f"({_fmt(c16.get('p50_ms'))}) |")
        for key in ("batch_10k", "batch_100k"):
            b = pc.get(key, {})
            out.append(f"| parcel check {key}: wall s, state, peak RSS growth MB | {_fmt(b.get('wall_s'))}, "
                       f"{b.get('state', b.get('error', '–'))}, {_fmt(b.get('rss_growth_mb'))} |")
    for fmt, e in results.get("exports", {}).items():
        out.append(f"| export of every parcel as {fmt}: wall s, MB, peak RSS growth MB | {_fmt(e.get('wall_s'))}, "
                   f"{_fmt(e.get('bytes', 0) / 2**20)}, {_fmt(e.get('rss_growth_mb'))} |")
    for name, q in results.get("qgis", {}).items():
        if isinstance(q, dict):
            out.append(f"| QGIS OAPIF load from {name}: features in s (complete?) | {_fmt(q.get('features'))} in "
                       f"{_fmt(q.get('seconds'))} s ({q.get('complete')}) |")
    out += ["", "| target | measured | met? |", "|---|---|---|"]
    for t in results.get("targets", []):
        mark = {True: "yes", False: "**no**", None: "not measured"}[t["met"]]
        out.append(f"| {t['target']} | {_fmt(t['measured'], 2)} | {mark} |")
    return "\n".join(out)


if __name__ == "__main__":
    import json
    import sys

    print(markdown(json.load(open(sys.argv[1], encoding="utf-8"))))
