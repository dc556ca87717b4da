"""Notebooks: committed without outputs (nbstripout-style), and 01 executes
cleanly against a real server through the shared runner (tests/notebooks.py)."""
from __future__ import annotations

import nbformat

from ..notebooks import NOTEBOOKS_DIR, notebook_errors, run_notebook

# Metadata keys that only an execution or an editor session leaves behind.
VOLATILE_METADATA = {"execution", "collapsed", "scrolled", "ExecuteTime"}


def test_committed_notebooks_have_no_outputs():
    paths = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    assert paths, "notebooks/ should hold at least 01_load_layers.ipynb"
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        for index, cell in enumerate(nb.cells):
            where = f"{path.name} cell {index}"
            if cell.cell_type == "code":
                assert cell.outputs == [], f"{where}: outputs committed (strip them)"
                assert cell.execution_count is None, f"{where}: execution_count committed"
            assert not VOLATILE_METADATA & set(cell.metadata), f"{where}: volatile metadata"
            assert "attachments" not in cell or not cell.attachments, f"{where}: attachments"
        assert "widgets" not in nb.metadata, f"{path.name}: widget state committed"


def test_01_load_layers_executes_against_the_service(server):
    nb = run_notebook(NOTEBOOKS_DIR / "01_load_layers.ipynb", server)
    assert notebook_errors(nb) == []
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs), "the map cell drew no figure"
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "zones," in text and "小学" in text
    warnings = [o["text"] for o in outputs if o.get("name") == "stderr"]
    assert not any("Glyph" in w and "missing" in w for w in warnings), warnings  # CJK font found
