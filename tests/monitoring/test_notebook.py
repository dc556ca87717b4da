"""notebooks/04_monitoring.ipynb builds the year's warning list from a live server with the demo set."""
from __future__ import annotations

from ..live import live_server
from ..notebooks import NOTEBOOKS_DIR, notebook_errors, run_notebook


def test_04_monitoring(demo_url):
    with live_server(demo_url) as base:
        import httpx

        expected = httpx.get(f"{base}/monitoring/warnings").json()["count"]
        nb = run_notebook(NOTEBOOKS_DIR / "04_monitoring.ipynb", base)
    assert notebook_errors(nb) == []
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no chart drawn"
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert expected > 0 and f"预警 {expected} 条" in text and "演示数据" in text
    assert f"CSV 导出 {expected} 行" in text
