#!/usr/bin/env bash
# What `make bench` needs beyond `make setup`: Debian's wrk, QGIS and MapServer 8 (FastCGI under
# spawn-fcgi behind nginx), tipg and pygeoapi in their own venvs, py-spy for --profile.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(wrk python3-qgis qgis-providers postgresql-15 postgresql-15-postgis-3 python3-venv
                 mapserver-bin cgi-mapserver spawn-fcgi nginx)
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
# MapServer peer: the build must serve OGC API Features and MVT from PostGIS over FastCGI.
for feature in SUPPORTS=OGCAPI_SERVER SUPPORTS=FASTCGI SUPPORTS=PBF INPUT=POSTGIS; do
  mapserv -v | grep -q "$feature" || { echo "mapserv -v lacks $feature" >&2; exit 1; }
done

# pygeoapi, pinned: 0.21.0 is the last release for Python 3.11 (0.22+ needs 3.12). Its PostgreSQL
# provider needs SQLAlchemy, GeoAlchemy2 and psycopg2; uvicorn[standard] as for the others.
PYGEOAPI_SPEC=${PYGEOAPI_SPEC:-pygeoapi==0.21.0}
if [ ! -x bench/.venv-pygeoapi/bin/python ] || ! bench/.venv-pygeoapi/bin/python -c 'import pygeoapi, geoalchemy2, psycopg2, starlette, uvloop' 2>/dev/null; then
  echo ">> installing $PYGEOAPI_SPEC into bench/.venv-pygeoapi"
  python3 -m venv bench/.venv-pygeoapi
  bench/.venv-pygeoapi/bin/python -m pip install -q --upgrade pip
  bench/.venv-pygeoapi/bin/python -m pip install -q "$PYGEOAPI_SPEC" 'uvicorn[standard]' starlette psycopg2-binary \
    geoalchemy2 'sqlalchemy<3' pygeofilter
fi
if [ ! -x bench/.venv-tools/bin/py-spy ]; then
  echo ">> installing py-spy into bench/.venv-tools"
  python3 -m venv bench/.venv-tools
  bench/.venv-tools/bin/python -m pip install -q py-spy
fi
