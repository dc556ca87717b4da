#!/usr/bin/env bash
# What `make bench` needs beyond `make setup`: Debian's wrk and QGIS, tipg in its own venv,
# py-spy for --profile. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(wrk python3-qgis qgis-providers postgresql-15 postgresql-15-postgis-3 python3-venv)
missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages for the benchmarks. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo ">> installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
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
