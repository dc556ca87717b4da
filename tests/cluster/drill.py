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
    back_after_promotion_s: float = 0.0
    busy_503_before_stop: int = 0
    stale_items: int = 0  # item pages nginx answered from its cache while the primary was down


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: list[tuple] = []  # (t, kind, status, retry_after, note)
        self.failed_reads: list[tuple] = []

    def add(self, kind, response, note=None):
        with self.lock:
            self.rows.append((time.monotonic(), kind, response.status_code,
                              "retry-after" in response.headers, note))
            if response.status_code >= 500 and kind != "write":
                self.failed_reads.append((time.monotonic(), kind, str(response.url)[-40:], response.text[:160]))

    def transport_error(self, kind, exc):
        with self.lock:
            self.rows.append((time.monotonic(), kind, type(exc).__name__, False, None))


def _reader(base, paths, stop, rec):
    with httpx.Client(timeout=15) as client:
        i = 0
        while not stop.is_set():
            kind, path = paths[i % len(paths)]
            try:
                rec.add(kind, client.get(f"{base}{path}"))
            except httpx.TransportError as exc:  # counted: never expected
                rec.transport_error(kind, exc)
            i += 1
            time.sleep(PAUSE_S)


def _writer(base, key, fid, label, stop, rec):
    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(timeout=15) as client:
        n = 0
        while not stop.is_set():
            try:
                _write_once(client, base, auth, fid, f"drill-{label}-{fid}-{n}", rec)
            except httpx.TransportError as exc:  # counted: never expected
                rec.transport_error("write", exc)
            n += 1
            time.sleep(PAUSE_S)


def _write_once(client, base, auth, fid, note, rec):
    got = client.get(f"{base}{PROJECTS}/{fid}", headers=auth)
    if got.status_code != 200:
        rec.add("write", got)
        return
    rec.add("write", client.patch(f"{base}{PROJECTS}/{fid}", json={"progress_note": note},
                                  headers={**auth, "If-Match": got.headers["etag"]}), note)


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
    for t, kind, url, body in rec.failed_reads[:3]:
        print(f"\n[cluster] failed read at {t - stopped_at:+.2f} s: {kind} {url}: {body}")
    return _report(topology, label, rec.rows, stopped_at, promoted_at)


def _report(topology, label, rows, stopped_at, promoted_at) -> DrillReport:
    report = DrillReport(label)
    for t, kind, status, retry_after, _note in rows:
        report.counts[(kind, status)] = report.counts.get((kind, status), 0) + 1
        if status not in (200, 304, 503):
            report.unexpected.append((round(t - stopped_at, 2), kind, status))
        if status == 503 and not retry_after:
            report.without_retry_after += 1
        if kind in ("list", "tile") and status != 200:
            report.read_failures += 1
        if kind == "write" and status == 200 and t > promoted_at:
            report.writes_after_promotion += 1
    # 503s from the stop on (a loaded machine can give pool-busy 503s before it, counted apart).
    write_503 = [t for t, kind, status, _, _ in rows if kind == "write" and status == 503 and t >= stopped_at]
    report.busy_503_before_stop = sum(1 for t, _, status, _, _ in rows if status == 503 and t < stopped_at)
    if write_503:
        report.window_503_s = max(write_503) - min(write_503)
    # No write acknowledged between the last one before the promotion and the first one after it.
    acked_t = [t for t, kind, status, _, _ in rows if kind == "write" and status == 200]
    before, after = [t for t in acked_t if t <= promoted_at], [t for t in acked_t if t > promoted_at]
    report.write_outage_s = (min(after) - max(before)) if before and after else float("inf")
    report.back_after_promotion_s = (min(after) - promoted_at) if after else float("inf")
    report.stale_items = sum(1 for t, kind, status, _, _ in rows
                             if kind == "item" and status == 200 and stopped_at < t < promoted_at)
    acked = [note for _, kind, status, _, note in rows if kind == "write" and status == 200 and note]
    report.acknowledged = len(acked)
    found = {r[0] for r in sql(topology.primary.url,
                               "SELECT new_values->>'progress_note' FROM progress_events "
                               "WHERE new_values->>'progress_note' LIKE :p", p=f"drill-{label}-%")}
    report.lost = [note for note in acked if note not in found]
    counts = ", ".join(f"{k[0]} {k[1]}: {v}" for k, v in sorted(report.counts.items()))
    print(f"\n[cluster] drill {label}: {len(rows)} responses ({counts}); write 503 window {report.window_503_s:.2f} s "
          f"(primary stopped, promotion {promoted_at - stopped_at:.2f} s later); no acknowledged write for "
          f"{report.write_outage_s:.2f} s; first write {report.back_after_promotion_s:.2f} s after promotion; "
          f"{report.stale_items} item pages from nginx's cache meanwhile; {report.busy_503_before_stop} busy 503s "
          f"before the stop; acknowledged {report.acknowledged}, lost {len(report.lost)}")
    return report
