#!/usr/bin/env bash
# What `make bench` needs beyond `make setup`: Debian's wrk and QGIS, tipg in its own venv,
# py-spy for --profile. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(wrk python3-qgis qgis-providers postgresql-15 postgresql-15-postgis-3 python3-venv)
bash scripts/apt-install.sh "${DEBIAN_PACKAGES[@]}"
# pgbench ships with postgresql-15 on Debian 12 (dpkg -S pgbench); check rather than assume.
[ -x /usr/lib/postgresql/15/bin/pgbench ] || { echo "pgbench not found in postgresql-15" >&2; exit 1; }

# tipg, pinned so runs stay comparable; uvicorn[standard] so both servers use uvloop + httptools.
TIPG_SPEC=${TIPG_SPEC:-tipg==1.6.1}
if [ ! -x bench/.venv-tipg/bin/python ] || ! bench/.venv-tipg/bin/python -c 'import tipg, uvloop, httptools' 2>/dev/null; then
  echo ">> installing $TIPG_SPEC into bench/.venv-tipg"
  python3 -m venv bench/.venv-tipg
  bench/.venv-tipg/bin/python -m pip install -q --upgrade pip
  bench/.venv-tipg/bin/python -m pip install -q "$TIPG_SPEC" 'uvicorn[standard]'
fi
if [ ! -x bench/.venv-tools/bin/py-spy ]; then
  echo ">> installing py-spy into bench/.venv-tools"
  python3 -m venv bench/.venv-tools
  bench/.venv-tools/bin/python -m pip install -q py-spy
fi
