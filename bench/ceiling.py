"""a0. The ceiling: pgbench runs our own items SQL (page_sql) straight against PostGIS.

Each page the HTTP runs ask for is rendered by the service's own code with
literal values (keyset cursor included) into one pgbench script; pgbench picks
among them at random. So the ceiling is exactly the database work of those
pages, without HTTP, Python or the driver.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from gis_service.queries.registry import get_collection
from gis_service.queries.features import page_sql
from gis_service.services.ogc.params import build_items_query

from bench.database import BenchDatabase
from bench.workloads import Page

PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"
MAX_SCRIPTS = 128  # pgbench's own limit on -f files


def render_page_sql(collection, page: Page) -> str:
    params = {"after": page.after} if page.after is not None else {}
    q = build_items_query(collection, params, limit=page.limit, offset=0, max_limit=10_000)
    sql, binds = page_sql(q)
    compiled = text(sql).bindparams(**binds).compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    return str(compiled).strip() + ";\n"


def page_scripts(db: BenchDatabase, pages: list[Page]) -> list[str]:
    engine = db.engine()
    with engine.connect() as conn:
        collection = get_collection(conn, "parcels")
    engine.dispose()
    distinct = list(dict.fromkeys(pages))[:MAX_SCRIPTS]
    return [render_page_sql(collection, page) for page in distinct]


def run_pgbench(db: BenchDatabase, scripts: list[str], clients: int, seconds: int, seed: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-pgbench-"))
    try:
        files = []
        for i, script in enumerate(scripts):
            path = tmp / f"page{i}.sql"
            path.write_text(script)
            files += ["-f", f"{path}@1"]
        # -M prepared: the best case for the database, as a ceiling should be.
        cmd = [PGBENCH, "-n", "-M", "prepared", *files, "-c", str(clients), "-j", "2",
               "-T", str(seconds), f"--random-seed={seed}", "-h", "127.0.0.1", "-p", str(db.port),
               "-U", "postgres", "gis"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if proc.returncode != 0:
        raise RuntimeError(f"pgbench failed: {proc.stderr.strip()[-500:]}")
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", proc.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", proc.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", proc.stdout)
    return {"tps": round(float(tps.group(1)), 1) if tps else None,
            "latency_avg_ms": float(latency.group(1)) if latency else None,
            "failed": int(failed.group(1)) if failed else 0, "scripts": len(scripts)}
