"""notebooks/02_progress_by_area.ipynb runs against a live server with demo progress and draws its chart."""
from __future__ import annotations

from pathlib import Path

from gis_service.db.engine import make_engine
from gis_service.loader.demo import load_demo_progress
from gis_service.settings import PROJECT_ROOT

from ..conftest import test_settings
from ..live import live_server
from ..notebooks import NOTEBOOKS_DIR, notebook_errors, run_notebook


def test_02_progress_by_area(loaded_db):
    engine = make_engine(test_settings(loaded_db), pool_size=1, max_overflow=0)
    assert load_demo_progress(engine, Path(PROJECT_ROOT / "layers/demo/progress.csv")) > 0
    engine.dispose()
    with live_server(loaded_db) as base:
        nb = run_notebook(NOTEBOOKS_DIR / "02_progress_by_area.ipynb", base)
    assert notebook_errors(nb) == []
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no chart drawn"
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "4 片区" in text and "演示数据" in text
    warnings = [o["text"] for o in outputs if o.get("name") == "stderr"]
    assert not any("Glyph" in w and "missing" in w for w in warnings), warnings
