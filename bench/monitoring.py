"""Monitoring re-evaluation cost at the plan's size: what one write adds to its transaction.

Starts its own throwaway PostGIS, loads the plan layers, the indicators and the demo progress
and stage plans (so there are stage plans, flags and warnings to evaluate), then times:
- ``after_one_edit``: the post-write re-evaluation one stage edit triggers (one work);
- ``stage_edit_total``: a whole stage edit (lock, validate, write, history, audit, re-evaluation);
- ``evaluate_all``: every rule on every subject (what ``POST /monitoring/evaluate`` runs).
Each inside a transaction that is rolled back, so every run sees the same data.
Target: re-evaluation after one edit < 50 ms. Results go to bench/results/<date>.json under
``monitoring``.

    .venv/bin/python -m bench.monitoring [--runs 50]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from pathlib import Path

from sqlalchemy import text

from bench.database import start_cluster
from gis_service.auth.principal import Principal
from gis_service.db.post_write import WriteEvent
from gis_service.settings import PROJECT_ROOT

RESULTS = Path(__file__).parent / "results"


def _prepare(url: str) -> None:
    from gis_service.db.engine import make_engine
    from gis_service.db.migrate import upgrade
    from gis_service.loader.demo import load_demo_progress
    from gis_service.loader.demo_stages import load_demo_stages
    from gis_service.loader.indicators import load_indicators
    from gis_service.loader.load import load_layers
    from gis_service.settings import Settings

    upgrade(url)
    engine = make_engine(Settings(database_url=url), pool_size=1, max_overflow=0)
    layers = PROJECT_ROOT / "layers"
    load_layers(engine, layers)
    load_indicators(engine, layers / "indicators.csv")
    load_demo_progress(engine, layers / "demo" / "progress.csv")
    load_demo_stages(engine, layers / "demo" / "stages.csv")
    engine.dispose()


def _time(engine, fn, runs: int) -> dict:
    samples = []
    for _ in range(runs):
        with engine.connect() as conn:
            tx = conn.begin()
            start = time.perf_counter()
            fn(conn)
            samples.append((time.perf_counter() - start) * 1000)
            tx.rollback()
    samples.sort()
    return {"runs": runs, "median_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2), "max_ms": round(samples[-1], 2)}


def run(runs: int) -> dict:
    from gis_service.services.monitoring import evaluate, lifecycle

    db = start_cluster()
    try:
        _prepare(db.url)
        engine = db.engine()
        with engine.begin() as conn:
            evaluate.evaluate_all(conn)
            fid = conn.execute(text("SELECT feature_id FROM lifecycle_plans WHERE collection_id = 'projects' "
                                    "ORDER BY feature_id LIMIT 1")).scalar()
            sizes = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                     for t in ("projects", "urban_village_sites", "green_corridors", "ecology_sites",
                               "lifecycle_plans", "indicators", "warnings")}
        editor = Principal(name="bench", role="editor", via="bearer")
        body = {"stages": {"construction": {"planned_end": "2019-12-31"}}}
        out = {"sizes": sizes,
               "after_one_edit": _time(engine, lambda c: evaluate.on_write(c, WriteEvent("projects", (fid,))), runs),
               "stage_edit_total": _time(engine, lambda c: lifecycle.apply_stage_edit(
                   c, "projects", fid, body, editor, if_match=None, require_if_match=False), runs),
               "evaluate_all": _time(engine, evaluate.evaluate_all, max(5, runs // 5)),
               "target_after_one_edit_ms": 50}
        engine.dispose()
        return out
    finally:
        db.destroy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    result = {"date": dt.date.today().isoformat(), **run(args.runs)}
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{dt.date.today().isoformat()}.json"
    merged = json.loads(path.read_text()) if path.exists() else {}
    merged["monitoring"] = result
    path.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
