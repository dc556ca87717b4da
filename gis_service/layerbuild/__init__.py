"""Deterministic build of the plan layers in layers/ from the sources in layers/sources/."""
from __future__ import annotations

from pathlib import Path


def build(out_dir: Path) -> None:
    from .build import build as _build
    _build(Path(out_dir))


__all__ = ["build"]
