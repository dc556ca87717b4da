"""A failover drill under a bounded mixed load through nginx; every response is counted."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import httpx

from .conftest import sql

PROJECTS = "/collections/projects/items"
READER_THREADS, WRITER_THREADS = 3, 3
PAUSE_S = 0.02  # bounded load: each thread waits this long between requests


@dataclass
class DrillReport:
    label: str
    counts: dict = field(default_factory=dict)
    unexpected: list = field(default_factory=list)
    without_retry_after: int = 0
    read_failures: int = 0
    acknowledged: int = 0
    lost: list = field(default_factory=list)
    writes_after_promotion: int = 0
    window_503_s: float = 0.0
    write_outage_s: float = 0.0
    stale_items: int = 0  # item pages nginx answered from its cache while the primary was down


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: list[tuple] = []  # (t, kind, status, retry_after, note)

    def add(self, kind, response, note=None):
        with self.lock:
            self.rows.append((time.monotonic(), kind, response.status_code,
                              "retry-after" in response.headers, note))


def _reader(base, paths, stop, rec):
    with httpx.Client(timeout=15) as client:
        i = 0
        while not stop.is_set():
            kind, path = paths[i % len(paths)]
            rec.add(kind, client.get(f"{base}{path}"))
            i += 1
            time.sleep(PAUSE_S)


def _writer(base, key, fid, label, stop, rec):
    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(timeout=15) as client:
        n = 0
        while not stop.is_set():
            got = client.get(f"{base}{PROJECTS}/{fid}", headers=auth)
            if got.status_code != 200:
                rec.add("write", got)
            else:
                n += 1
                note = f"drill-{label}-{fid}-{n}"
                rec.add("write", client.patch(f"{base}{PROJECTS}/{fid}", json={"progress_note": note},
                                              headers={**auth, "If-Match": got.headers["etag"]}), note)
            time.sleep(PAUSE_S)


def run_drill(topology, key, *, stop_mode: str, label: str, before_s=3.0, outage_s=3.0, after_s=4.0) -> DrillReport:
    base = topology.base_url
    fids = [r[0] for r in sql(topology.primary.url, "SELECT id FROM projects ORDER BY id LIMIT 8")]
    tile = "/collections/projects/tiles/WebMercatorQuad/12/1600/3300"
    reads = [("list", f"{PROJECTS}?limit=5"), ("tile", tile), ("item", f"{PROJECTS}/{fids[-1]}?f=json"),
             ("list", "/collections/projects/items?limit=2&offset=3")]
    rec, stop = Recorder(), threading.Event()
    threads = [threading.Thread(target=_reader, args=(base, reads, stop, rec)) for _ in range(READER_THREADS)]
    threads += [threading.Thread(target=_writer, args=(base, key, fids[i], label, stop, rec))
                for i in range(WRITER_THREADS)]
    for t in threads:
        t.start()
    time.sleep(before_s)
    stopped_at = time.monotonic()
    topology.primary.stop(stop_mode)
    time.sleep(outage_s)
    topology.failover()  # pg_ctl promote + the write URL file the apps re-read
    promoted_at = time.monotonic()
    time.sleep(after_s)
    stop.set()
    for t in threads:
        t.join()
    return _report(topology, label, rec.rows, stopped_at, promoted_at)


def _report(topology, label, rows, stopped_at, promoted_at) -> DrillReport:
    report = DrillReport(label)
    for t, kind, status, retry_after, note in rows:
        report.counts[(kind, status)] = report.counts.get((kind, status), 0) + 1
        if status not in (200, 304, 503):
            report.unexpected.append((round(t - stopped_at, 2), kind, status))
        if status == 503 and not retry_after:
            report.without_retry_after += 1
        if kind in ("list", "tile") and status != 200:
            report.read_failures += 1
        if kind == "write" and status == 200 and t > promoted_at:
            report.writes_after_promotion += 1
    write_503 = [t for t, kind, status, _, _ in rows if kind == "write" and status == 503]
    if write_503:
        report.window_503_s = max(write_503) - min(write_503)
    # From the stop to the first write acknowledged after the first refused one.
    first_503 = min(write_503) if write_503 else stopped_at
    ok_after = [t for t, kind, status, _, _ in rows if kind == "write" and status == 200 and t > first_503]
    report.write_outage_s = (min(ok_after) - stopped_at) if ok_after else float("inf")
    report.stale_items = sum(1 for t, kind, status, _, _ in rows
                             if kind == "item" and status == 200 and stopped_at < t < promoted_at)
    acked = [note for _, kind, status, _, note in rows if kind == "write" and status == 200 and note]
    report.acknowledged = len(acked)
    found = {r[0] for r in sql(topology.primary.url,
                               "SELECT new_values->>'progress_note' FROM progress_events "
                               "WHERE new_values->>'progress_note' LIKE :p", p=f"drill-{label}-%")}
    report.lost = [note for note in acked if note not in found]
    counts = ", ".join(f"{k[0]} {k[1]}: {v}" for k, v in sorted(report.counts.items()))
    print(f"\n[cluster] drill {label}: {len(rows)} responses ({counts}); 503 window {report.window_503_s:.2f} s; "
          f"writes back {report.write_outage_s:.2f} s after the stop (promotion at {promoted_at - stopped_at:.2f} s); "
          f"{report.stale_items} item pages served from nginx's cache meanwhile; acknowledged {report.acknowledged}, "
          f"lost {len(report.lost)}")
    return report
