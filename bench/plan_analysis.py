"""Plan-wide analyses with the synthetic cadastre loaded (default 200k parcels), in process:

- compare across a year with 1,000 edits (target < 1 s);
- full conflict recompute (< 5 s) and the incremental one after one edit (< 100 ms);
- statistics of all parcels by 街道 (< 2 s);
- a site search over all parcels (< 3 s).

Each figure is the median of ``--rounds`` runs. Usage: ``python -m bench.plan_analysis --n 200000``.
Results go to bench/results/plan_analysis-<date>.json.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import time
from pathlib import Path

from sqlalchemy import text

from bench.database import prepare, start_cluster

RESULTS = Path(__file__).parent / "results"
TARGETS_S = {"compare_year_1000_edits": 1.0, "conflicts_full": 5.0, "conflicts_incremental": 0.1,
             "statistics_parcels_by_admin_unit": 2.0, "site_search_all_parcels": 3.0}


def _edits(conn, n: int, seed: int) -> None:
    """n status edits spread over 2019, recorded as editors' history rows."""
    rng = random.Random(seed)
    features = [("projects", r[0]) for r in conn.execute(text("SELECT id FROM projects"))]
    features += [("urban_village_sites", r[0]) for r in conn.execute(text("SELECT id FROM urban_village_sites"))]
    start = dt.datetime(2019, 1, 2, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    rows = []
    for i in range(n):
        cid, fid = rng.choice(features)
        rows.append({"c": cid, "f": fid, "at": start + dt.timedelta(minutes=i * 500),
                     "o": json.dumps({"percent_complete": i % 100}), "n": json.dumps({"percent_complete": (i + 1) % 100})})
    conn.execute(text("INSERT INTO progress_events (collection_id, feature_id, recorded_at, actor, action, "
                      "old_values, new_values) VALUES (:c, :f, :at, 'bench', 'update', CAST(:o AS jsonb), "
                      "CAST(:n AS jsonb))"), rows)
    conn.execute(text("ALTER TABLE progress_events DISABLE TRIGGER progress_events_append_only"))
    conn.execute(text("UPDATE progress_events SET recorded_at = '2018-06-01 08:00+08' WHERE action = 'load'"))
    conn.execute(text("ALTER TABLE progress_events ENABLE TRIGGER progress_events_append_only"))


def _time(fn, rounds: int) -> dict:
    runs = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return {"median_s": round(statistics.median(runs), 4), "runs_s": [round(r, 4) for r in runs]}


def run(n: int, seed: int, rounds: int, only: set[str] | None = None) -> dict:
    from gis_service.services.analysis.compare import compare
    from gis_service.services.analysis.conflict_register import recompute
    from gis_service.services.analysis.site_search import site_search
    from gis_service.services.analysis.statistics import statistics as overlay

    db = start_cluster()
    try:
        out = {"prepare": prepare(db, n, seed), "date": dt.date.today().isoformat(), "parcels": n}
        engine = db.engine()
        with engine.begin() as conn:
            _edits(conn, 1000, seed)
        with engine.connect() as conn:
            one = conn.execute(text("SELECT id FROM projects WHERE geom IS NOT NULL ORDER BY id LIMIT 1")).scalar()
            cases = {
                "compare_year_1000_edits": lambda: compare(conn, {"left": "2019-01-01", "right": "2019-12-31"}),
                "conflicts_full": lambda: recompute(conn, None),
                "conflicts_incremental": lambda: recompute(conn, [f"projects/{one}"]),
                "statistics_parcels_by_admin_unit": lambda: overlay(conn, {
                    "collections": ["parcels"], "group_by": "admin_unit", "measures": ["count", "area_m2"]}),
                "site_search_all_parcels": lambda: site_search(conn, {
                    "proposed_use": "industrial", "weights": {"key_share": 1, "centre": 1}, "limit": 20}),
            }
            for name, fn in cases.items():
                if only and name not in only:
                    continue
                out[name] = {**_time(fn, rounds), "target_s": TARGETS_S[name]}
                out[name]["met"] = out[name]["median_s"] < TARGETS_S[name]
                print(name, out[name], flush=True)
            conn.rollback()
        engine.dispose()
        return out
    finally:
        db.destroy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help=f"comma list of {', '.join(TARGETS_S)}")
    args = parser.parse_args()
    result = run(args.n, args.seed, args.rounds, {o for o in args.only.split(",") if o} or None)
    RESULTS.mkdir(exist_ok=True)
    suffix = f"-{args.only.replace(',', '+')}" if args.only else ""
    path = RESULTS / f"plan_analysis-{result['date']}{suffix}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False), "utf-8")
    print(f"written {path}")


if __name__ == "__main__":
    main()
