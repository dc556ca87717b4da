"""e. What an analyst feels: QGIS headless loads the whole parcels collection over OAPIF."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from bench.servers import Server

SCRIPT = Path(__file__).resolve().parent / "qgis_oapif_load.py"
SYSTEM_PYTHON = "/usr/bin/python3"


def load(server: Server, collection_id: str, deadline_s: float) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": "/tmp"}
    env = {k: v for k, v in env.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    proc = subprocess.run([SYSTEM_PYTHON, str(SCRIPT), server.base + "/", collection_id, str(deadline_s)],
                          capture_output=True, text=True, env=env, timeout=deadline_s + 300)
    for line in proc.stdout.splitlines():
        if line.startswith("QGIS-LOAD-RESULT "):
            return json.loads(line.split(" ", 1)[1])
    return {"error": f"no result (exit {proc.returncode}): {proc.stderr.strip()[-400:]}"}
