"""python -m gis_service.layerbuild [--out layers]"""
from __future__ import annotations

import argparse
from pathlib import Path

from . import build
from .common import REPO


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m gis_service.layerbuild",
                                 description="Regenerate the plan layer files.")
    ap.add_argument("--out", type=Path, default=REPO / "layers",
                    help="output directory (default: <repo>/layers)")
    args = ap.parse_args(argv)
    build(args.out)
    print(f"layers written to {args.out}")


if __name__ == "__main__":
    main()
