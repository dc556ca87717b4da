#!/usr/bin/env bash
# Install what is missing: Debian packages (as root), the venv and the package.
# Usage: setup.sh [run|test]. "run" is what the service needs; "test" adds the
# real clients the suite drives (QGIS, poppler) and the test extras.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${1:-test}

DEBIAN_PACKAGES=(
  python3 python3-venv python3-dev
  postgresql-15 postgresql-15-postgis-3
  gdal-bin
  fonts-noto-cjk
  chromium            # PDF reports are printed by headless Chromium
)
if [ "$PROFILE" = test ]; then
  DEBIAN_PACKAGES+=(qgis python3-qgis poppler-utils)
  DEBIAN_PACKAGES+=(nginx)  # the cluster topology tests put nginx in front of the app processes
fi

bash scripts/apt-install.sh "${DEBIAN_PACKAGES[@]}"
# Debian starts its own cluster on 5432; ours is private and on another port, so leave it.

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo ">> creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$PROFILE
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo ">> installing the package into .venv ($PROFILE)"
  .venv/bin/python -m pip install -q --upgrade pip
  if [ "$PROFILE" = test ]; then
    .venv/bin/python -m pip install -q -e '.[test]'
  else
    .venv/bin/python -m pip install -q -e .
  fi
  touch "$stamp"
fi
bash scripts/fetch-assets.sh
