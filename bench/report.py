"""Ratios against the peers (tipg, MapServer, pygeoapi) and the ceiling, who won each workload, the
targets, and the printed summary and Markdown tables (cold and warm, same-content and generalised)."""
from __future__ import annotations


def _ratio(a, b):
    return round(a / b, 2) if a and b else None


OURS = ("ours", "ours_warm")
PEERS = ("tipg", "mapserver", "pygeoapi")
FLOOR = "floor"  # bench.floor: a measuring stick beside ours, never a peer or a winner


def _peer_rows(results: dict, key: str) -> dict:
    """The peers' numbers for a workload: a generalised workload's peers are the same-content ones
    (full tiles) of the same zoom and concurrency, measured in the same rounds."""
    pair = results.get("tiles", {}).get(key.replace("tiles_gen_", "tiles_"), {}) if key.startswith("tiles_gen_") \
        else {**results.get("items", {}), **results.get("tiles", {})}.get(key, {})
    return {name: pair[name] for name in PEERS if name in pair}


def ratios(results: dict) -> dict:
    """``<workload>_vs_<peer>``: ours cold over the peer (always cold: peers have no cache);
    ``<workload>_warm_vs_<peer>_cold``: ours warm over the same peer, named as such."""
    out = {}
    for section in ("items", "tiles"):
        for key, pair in results.get(section, {}).items():
            for peer, theirs in _peer_rows(results, key).items():
                suffix = "_full" if key.startswith("tiles_gen_") else ""
                if "ours" in pair:
                    out[f"{key}_vs_{peer}{suffix}"] = _ratio(pair["ours"]["rps"], theirs["rps"])
                if "ours_warm" in pair:
                    out[f"{key}_warm_vs_{peer}{suffix}_cold"] = _ratio(pair["ours_warm"]["rps"], theirs["rps"])
    for limit, ceiling in results.get("ceiling", {}).items():
        pair = results.get("items", {}).get(f"items_{limit}_c16", {})
        ours, floor = pair.get("ours", {}), pair.get(FLOOR, {})
        out[f"items_{limit}_c16_vs_pgbench_ceiling"] = _ratio(ours.get("rps"), ceiling.get("tps"))
        if floor:  # what uvicorn and the driver alone reach with the same SQL (bench.floor)
            out[f"items_{limit}_c16_{FLOOR}_vs_pgbench_ceiling"] = _ratio(floor.get("rps"), ceiling.get("tps"))
            out[f"items_{limit}_c16_vs_{FLOOR}"] = _ratio(ours.get("rps"), floor.get("rps"))
    qgis = results.get("qgis", {})
    if qgis.get("ours", {}).get("seconds") and qgis.get("tipg", {}).get("seconds"):
        # Rate-based, so a tipg load stopped at the deadline still gives a (lower-bound) ratio.
        ours_rate = qgis["ours"]["features"] / qgis["ours"]["seconds"]
        tipg_rate = qgis["tipg"]["features"] / qgis["tipg"]["seconds"]
        out["qgis_full_load_vs_tipg"] = _ratio(ours_rate, tipg_rate)
    return out


def winners(results: dict) -> dict:
    """Per workload, the server with the most requests/s among the cold ones (ours and every peer),
    and separately whether ours warm beats them all (warm against cold, so labelled)."""
    out = {}
    for section in ("items", "tiles"):
        for key, pair in results.get(section, {}).items():
            cold = {n: v["rps"] for n, v in pair.items() if n == "ours"}
            cold.update({n: v["rps"] for n, v in _peer_rows(results, key).items()})
            entry = {}
            if len(cold) > 1:
                entry["cold"] = max(cold, key=cold.get)
            if "ours_warm" in pair and len(cold) > ("ours" in cold):
                peers_best = max((v for n, v in cold.items() if n != "ours"), default=0)
                entry["ours_warm_beats_every_peer_cold"] = pair["ours_warm"]["rps"] > peers_best
            if entry:
                out[key] = entry
    return out


def _get(d: dict, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _worst(r: dict, prefix: str, suffix: str, zooms=range(10, 17)) -> float | None:
    values = [r.get(f"{prefix}{z}{suffix}") for z in zooms]
    values = [v for v in values if v is not None]
    return min(values) if values else None


def _tiles(results: dict, key_fmt: str, server: str, field: str, zooms) -> list:
    return [v for z in zooms if (v := _get(results, "tiles", key_fmt.format(z=z), server, field)) is not None]


def _tile_targets(results: dict, r: dict, row) -> list[dict]:
    gen = bool(_get(results, "tile_detail", "available"))
    note = None if gen else "generalised tiles (detail=auto) not available in this build"
    rows = [row("same-content tiles z10-z16 c16 cold >= MapServer (lowest zoom ratio)",
                _worst(r, "tiles_z", "_c16_vs_mapserver"), lambda v: v >= 1),
            row("same-content tiles z10-z16 c16 cold >= 1.3x tipg (lowest zoom ratio)",
                _worst(r, "tiles_z", "_c16_vs_tipg"), lambda v: v >= 1.3),
            row("generalised tiles z10-z16 c16 cold >= 2x tipg's full tiles (lowest zoom ratio)",
                _worst(r, "tiles_gen_z", "_c16_vs_tipg_full") if gen else None, lambda v: v >= 2, note),
            row("generalised tiles z10-z16 c16 cold >= MapServer's full tiles (lowest zoom ratio)",
                _worst(r, "tiles_gen_z", "_c16_vs_mapserver_full") if gen else None, lambda v: v >= 1, note)]
    p95 = _tiles(results, "tiles_gen_z{z}_c1", "ours", "p95_ms", range(10, 14))
    rows.append(row("generalised parcels tile z10-z13 c1 cold p95 < 300 ms (worst zoom)",
                    max(p95) if gen and p95 else None, lambda v: v < 300, note))
    errors = _tiles(results, "tiles_gen_z{z}_c16", "ours", "non_2xx", range(10, 14))
    rows.append(row("generalised tiles z10-z13 c16 cold: zero non-2xx (503s)",
                    sum(errors) if gen and errors else None, lambda v: v == 0, note))
    warm_key = "tiles_gen_z{z}_c1" if gen else "tiles_z{z}_c1"
    warm = _tiles(results, warm_key, "ours_warm", "p95_ms", range(10, 15))
    rows.append(row(f"warm (seeded + in-process cache) z10-z14 c1 p95 < 20 ms (worst zoom; "
                    f"{'generalised' if gen else 'same-content'} tiles)", max(warm) if warm else None,
                    lambda v: v < 20))
    return rows


def targets(results: dict, r: dict, baseline: dict | None = None) -> list[dict]:
    """The targets, each with what was measured and whether it was met (None: not measured).
    ``baseline``: an earlier results file, for "no slower than before"."""
    def row(name, measured, ok, note=None):
        out = {"target": name, "measured": measured, "met": None if measured is None else ok(measured)}
        return {**out, "note": note} if note else out

    rows = [row("items limit 10 c16 >= 20% of pgbench ceiling", r.get("items_limit10_c16_vs_pgbench_ceiling"),
                lambda v: v >= 0.2)]
    for n in (100, 1000):
        before = _get(baseline or {}, "ratios", f"items_limit{n}_c16_vs_pgbench_ceiling")
        now = r.get(f"items_limit{n}_c16_vs_pgbench_ceiling")
        rows.append(row(f"items limit {n} c16 no slower than the baseline (fraction of ceiling, now / before)",
                        _ratio(now, before), lambda v: v >= 0.95,
                        None if baseline else "no --baseline results file given"))
    for peer, floor in (("mapserver", 1), ("tipg", 1.5)):
        item_ratios = [v for k, v in r.items()
                       if k.startswith("items_") and k.endswith(f"_vs_{peer}") and v is not None]
        rows.append(row(f"items >= {floor}x {peer} at every size (lowest ratio)",
                        min(item_ratios) if item_ratios else None, lambda v, f=floor: v >= f))
    rows += _tile_targets(results, r, row)
    pc = results.get("parcel_check", {})
    rows.append(row("parcel check single p95 < 15 ms (c1)", _get(pc, "single", "c1", "p95_ms"), lambda v: v < 15))
    rows.append(row("parcel check single >= 150 checks/s (c16)", _get(pc, "single", "c16", "rps"),
                    lambda v: v >= 150))
    rows.append(row("parcel check batch 10k < 3 s", _get(pc, "batch_10k", "wall_s"), lambda v: v < 3))
    rows.append(row("parcel check batch 100k < 20 s", _get(pc, "batch_100k", "wall_s"), lambda v: v < 20))
    for fmt in ("geojsonseq", "gpkg"):
        rows.append(row(f"export 200k {fmt}: peak RSS growth < 100 MB",
                        _get(results, "exports", fmt, "rss_growth_mb"), lambda v: v < 100))
    rows.append(row("QGIS full load >= 10x faster than tipg", r.get("qgis_full_load_vs_tipg"),
                    lambda v: v >= 10))
    return rows


def summary_table(results: dict) -> str:
    lines = []
    for section in ("items", "tiles"):
        for key, pair in results.get(section, {}).items():
            cells = "  ".join(f"{n} {v['rps']:8.1f} (p95 {v['p95_ms']:.0f}, non-2xx {v['non_2xx']})"
                              for n, v in pair.items())
            lines.append(f"{key:26} {cells}")
    for limit, c in results.get("ceiling", {}).items():
        floor = _get(results, "items", f"items_{limit}_c16", FLOOR, "rps")
        lines.append(f"pgbench ceiling {limit:10} {c['tps']:11.1f} (16 clients, same SQL)"
                     + (f"; Python floor {floor:.1f} req/s" if floor else ""))
    lines.append("")
    for t in results.get("targets", []):
        mark = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        lines.append(f"  [{mark:12}] {t['target']}: {t['measured']}{' (' + t['note'] + ')' if t.get('note') else ''}")
    return "\n".join(lines)


def _fmt(v, digits=1):
    return "–" if v is None else (f"{v:,.{digits}f}" if isinstance(v, float) else f"{v:,}")


def _header(results: dict) -> str:
    m, db, load = results.get("machine", {}), results.get("database", {}), results.get("load", {})
    loads = ", ".join(f"{k.replace('_', ' ')} {v.get('1m', v.get('load_at_start', {}).get('1m'))}"
                      for k, v in load.items())
    ms = (m.get("mapserver") or "–").split(" OUTPUT")[0]
    return (f"Run {results.get('started')} – {results.get('finished')}: {m.get('cpu_model')}, {m.get('cores')} cores, "
            f"{_fmt(m.get('ram_mb'))} MB RAM, Linux {m.get('kernel')}, {m.get('os')}; PostgreSQL "
            f"{db.get('postgresql')}, PostGIS {db.get('postgis')} (GEOS {db.get('geos')}, PROJ {db.get('proj')}); "
            f"tipg / uvicorn / asyncpg {m.get('tipg_uvicorn_asyncpg')}; {ms}; pygeoapi / SQLAlchemy / psycopg2 "
            f"{m.get('pygeoapi_sqlalchemy_psycopg2')}; {_fmt(db.get('parcels'))} parcels "
            f"({db.get('parcels_table_mb')} MB); {results.get('config', {}).get('rounds')} round(s) of "
            f"{results.get('config', {}).get('seconds_per_run')} s. 1-minute load: {loads}.")


def _cell(v: dict | None) -> str:
    if not v:
        return "–"
    return f"{_fmt(v['rps'])} ({_fmt(v['rps_min'])}–{_fmt(v['rps_max'])})"


def _server_table(results: dict, keys: list[str], ours: str, peer_suffix: str, title: str) -> list[str]:
    r, w = results.get("ratios", {}), results.get("winners", {})
    names = [n for n in PEERS if any(n in _peer_rows(results, k) for k in keys)]
    head = (f"| {title} | {ours} req/s | " + " | ".join(f"{n} req/s" for n in names) + " | "
            + " | ".join(f"{ours} ÷ {n}" for n in names) + f" | cold winner | {ours} p50 / p95 ms | "
            f"non-2xx ({ours}, {', '.join(names)}) |")
    out = [head, "|" + "---|" * (head.count("|") - 1)]
    for key in keys:
        pair, peers_ = {**results.get("items", {}), **results.get("tiles", {})}[key], _peer_rows(results, key)
        o = pair.get(ours)
        if o is None:
            continue
        extra = "_warm" if ours == "ours_warm" else ""
        ratios = " | ".join(f"**{_fmt(r.get(f'{key}{extra}_vs_{n}{peer_suffix}'), 2)}**" for n in names)
        errors = ", ".join(str(x.get("non_2xx", "–")) for x in [o, *[peers_.get(n, {}) for n in names]])
        out.append(f"| `{key}` | {_cell(o)} | " + " | ".join(_cell(peers_.get(n)) for n in names)
                   + f" | {ratios} | {w.get(key, {}).get('cold', '–')} | {_fmt(o['p50_ms'])} / {_fmt(o['p95_ms'])} "
                   f"| {errors} |")
    return out


def _tile_tables(results: dict) -> list[str]:
    tiles = results.get("tiles", {})
    c16 = [k for k in tiles if k.startswith("tiles_z") and k.endswith("_c16")]
    gen16 = [k for k in tiles if k.startswith("tiles_gen_z") and k.endswith("_c16")]
    c1 = [k for k in tiles if k.endswith("_c1")]
    out = ["", "**Tiles, same content, cold** (ours `detail=full` where the build has it; no tile cache, no "
           "seeds; the peers' full tiles, same features and attributes):", ""]
    out += _server_table(results, c16, "ours", "", "workload")
    out += ["", "**Tiles, same content, ours warm (seeded + in-process cache) against the peers cold** "
            "(the peers have no cache: this is warm against cold):", ""]
    out += _server_table(results, c16, "ours_warm", "_cold", "workload")
    out += ["", "**Tiles, generalised** (ours `detail=auto`: per-zoom simplification, sub-pixel dropping, "
            "aggregation below the configured zoom) **against the peers' full tiles** (same rounds):", ""]
    if gen16:
        out += _server_table(results, gen16, "ours", "_full", "workload (cold)")
        out += [""] + _server_table(results, gen16, "ours_warm", "_full_cold", "workload (ours warm)")
    else:
        out.append(f"Not measured: {_get(results, 'tile_detail', 'note') or 'detail=auto not available'}.")
    out += ["", "| single user (c1) | server | req/s | p50 / p95 / p99 ms | non-2xx |", "|---|---|---|---|---|"]
    for key in c1:
        for name, v in tiles[key].items():
            label = "ours cold" if name == "ours" else "ours warm" if name == "ours_warm" else name
            out.append(f"| `{key}` | {label} | {_fmt(v['rps'])} | {_fmt(v['p50_ms'])} / {_fmt(v['p95_ms'])} / "
                       f"{_fmt(v['p99_ms'])} | {v['non_2xx']} |")
    return out


def markdown(results: dict) -> str:
    """The tables docs/PERFORMANCE.md shows: `python -m bench.report bench/results/<date>.json`."""
    r = results.get("ratios", {})
    out = [_header(results), "", "**Items** (every server cold; ours by keyset cursor, the peers by offset):", ""]
    out += _server_table(results, list(results.get("items", {})), "ours", "", "workload")
    out += _tile_tables(results)
    out += ["", "| ceiling (pgbench, 16 clients, our page SQL) | tps | Python floor at c16 (fraction) "
            "| ours at c16 | fraction | ours / floor |", "|---|---|---|---|---|---|"]
    for limit, c in results.get("ceiling", {}).items():
        ours = _get(results, "items", f"items_{limit}_c16", "ours", "rps")
        floor = _get(results, "items", f"items_{limit}_c16", FLOOR, "rps")
        out.append(f"| `{limit}` | {_fmt(c['tps'])} | {_fmt(floor)} "
                   f"({_fmt(r.get(f'items_{limit}_c16_{FLOOR}_vs_pgbench_ceiling'), 2)}) | {_fmt(ours)} | "
                   f"**{_fmt(r.get(f'items_{limit}_c16_vs_pgbench_ceiling'), 2)}** | "
                   f"{_fmt(r.get(f'items_{limit}_c16_vs_{FLOOR}'), 2)} |")
    out += ["", "| measurement | value |", "|---|---|"]
    out += _measurements(results)
    out += ["", "| target | measured | met? |", "|---|---|---|"]
    for t in results.get("targets", []):
        mark = {True: "yes", False: "**no**", None: "not measured"}[t["met"]]
        note = f" ({t['note']})" if t.get("note") else ""
        out.append(f"| {t['target']} | {_fmt(t['measured'], 2)} | {mark}{note} |")
    return "\n".join(out)


def _measurements(results: dict) -> list[str]:
    out = []
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
    return out


if __name__ == "__main__":
    import json
    import sys

    print(markdown(json.load(open(sys.argv[1], encoding="utf-8"))))
