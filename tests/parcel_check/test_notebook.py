"""notebooks/03_batch_parcel_check.ipynb runs against a real server and summarises verdicts."""
from __future__ import annotations

from ..live import live_server
from ..notebooks import NOTEBOOKS_DIR, notebook_errors, run_notebook


def test_batch_notebook_executes(loaded_db, tmp_path):
    with live_server(loaded_db, tmp_path / "server.log") as base:
        nb = run_notebook(NOTEBOOKS_DIR / "03_batch_parcel_check.ipynb", base)
    assert notebook_errors(nb) == []
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "checked" in text and "初筛结论" in text and "需论证" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)
    warnings = [o["text"] for o in outputs if o.get("name") == "stderr"]
    assert not any("Glyph" in w and "missing" in w for w in warnings), warnings
