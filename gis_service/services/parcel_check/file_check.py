"""The CLI twin of the batch endpoint: check a file and write the results, no job table."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from gis_service.queries.analysis import tune_check
from gis_service.services.parcel_check.batch_readers import read_batch_file
from gis_service.services.parcel_check.check import (
    check_parcels, check_proposed_use, repair_parcels, row_use, use_column_of,
)
from gis_service.services.parcel_check.geometry_input import ParcelInput
from gis_service.services.parcel_check.results import result_frame, write_results_file


def check_file(engine: Engine, path: Path, out: Path, *, crs: str | None = None, proposed_use: str | None = None,
               repair: bool = False, layer: str | None = None, chunk_size: int = 500,
               max_features: int = 100_000, on_start: Callable[[int], None] | None = None,
               on_progress: Callable[[int], None] | None = None, use_column: str | None = None) -> dict:
    """Check every parcel of ``path``; write ``out`` (.geojson/.csv/.gpkg/.xlsx). Returns a summary.

    A per-row use column (``use_column``, or one of the common names) decides each row's use."""
    use = check_proposed_use(proposed_use)
    batch = read_batch_file(Path(path).read_bytes(), Path(path).name, crs=crs, layer=layer, repair=repair,
                            max_features=max_features)
    column = use_column_of(batch.columns, use_column)
    row_uses = {}
    for row in batch.rows:
        if not row.error:
            row_uses[row.row_number], error = row_use(row.attributes, column, row.row_number)
            row.error = error
    good = [r for r in batch.rows if r.geometry is not None and not r.error]
    parcels = [ParcelInput(index=r.row_number, geometry=r.geometry, crs_label=batch.source_crs,
                           repair_reason=r.repair_reason) for r in good]
    if on_start:
        on_start(len(parcels))
    with engine.begin() as conn:
        tune_check(conn)
        repair_parcels(conn, parcels)
        reports, _ = check_parcels(conn, parcels, use, chunk_size=chunk_size, progress=on_progress,
                                uses=[row_uses[r.row_number] for r in good])
    frame = result_frame(batch.columns, [(r.attributes, p.geometry, report)
                                         for r, p, report in zip(good, parcels, reports)])
    errors = [{**r.error, "row_number": r.row_number, "attributes": r.attributes} for r in batch.rows if r.error]
    written = write_results_file(frame, errors, batch.columns, Path(out),
                                 {"filename": Path(path).name, "options": {"proposed_use": use, "use_column": column}})
    counts: dict[str, int] = {}
    for report in reports:
        counts[report["verdict"]["zh"]] = counts.get(report["verdict"]["zh"], 0) + 1
    return {"checked": len(reports), "errors": errors, "verdicts": counts, "written": written}
