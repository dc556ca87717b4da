"""Shared notebook runner: execute a committed notebook against a running service.

Notebooks read the service URL from the ``GIS_API_URL`` environment variable
(default ``http://127.0.0.1:8000``), so the same file works for an analyst and
in the suite. Usage::

    with live_server(loaded_db) as base:
        run_notebook(PROJECT_ROOT / "notebooks/01_load_layers.ipynb", base)
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from gis_service.settings import PROJECT_ROOT

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
API_URL_VAR = "GIS_API_URL"


def run_notebook(path: Path | str, base_url: str, *, timeout_s: int = 300,
                 extra_env: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """Execute every cell of ``path`` with ``GIS_API_URL=base_url``; return the executed notebook.

    Any cell error raises ``nbclient.exceptions.CellExecutionError`` naming the cell.
    The file on disk is never modified (committed notebooks stay output-free).
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, API_URL_VAR: base_url, **(extra_env or {})}
    env.pop("MPLBACKEND", None)  # keep the kernel's inline backend: figures become image/png outputs
    # jupyter_client maps the "python3" kernel to this interpreter (the venv); throwaway IPython dir.
    with tempfile.TemporaryDirectory(prefix="nb-run-") as tmp:
        env.setdefault("IPYTHONDIR", tmp)
        client = NotebookClient(
            nb, timeout=timeout_s, kernel_name="python3", allow_errors=False,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute(env=env, cwd=str(path.parent))
    return nb


def notebook_errors(nb: nbformat.NotebookNode) -> list[str]:
    """Error outputs and stderr warnings left in an executed notebook (for assertions)."""
    problems = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
    return problems
