"""The peers beside tipg: MapServer 8 (Debian, FastCGI under spawn-fcgi behind nginx) and
pygeoapi (PyPI, its PostgreSQL provider), on the same database and the same ``parcels`` table.

Each is generated into a temp dir from the bench's database URL and started like a ``Server``
(start, stop, base, pids), so the alternating rounds treat every peer alike.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench.machine import free_port
from bench.servers import BENCH_DIR, POOL_SIZE, UVICORN_FLAGS, Server

PYGEOAPI_VENV = BENCH_DIR / ".venv-pygeoapi"
# pygeoapi 0.21 needs the table's SRID as storage_crs for a bbox filter (else ST_MakeEnvelope is built
# in 4326 and PostGIS refuses the mix), but then builds a pyproj Transformer to CRS84 on every request
# (0.4 of its time, py-spy) and turns a CRS84 bbox into EPSG:4490's lat-first axes before handing it
# to ST_MakeEnvelope as x/y. So: `parcels` as stored (no transform; CGCS2000 and CRS84 agree to
# centimetres here) for the pages, and `parcels_4490` for the bbox pages, which name the storage CRS
# as bbox-crs and keep lon/lat order: the same box on the ground as the others get.
PYGEOAPI_STORAGE_CRS = "http://www.opengis.net/def/crs/EPSG/0/4490"
PYGEOAPI_BBOX_COLLECTION = "parcels_4490"
# The attributes our parcels tiles carry (queries/tiles.py TILE_PROPERTIES that parcels has), plus id.
TILE_ATTRIBUTES = ("id", "land_use", "land_use_name", "area_m2", "admin_unit")
# One mapserv process serves one request at a time: as many processes as the others have pooled
# connections, so each peer can keep the same number of queries in flight.
MAPSERV_PROCESSES = POOL_SIZE


def _libpq(db_url: str) -> dict:
    u = urlsplit(db_url.replace("postgresql+psycopg://", "postgresql://"))
    return {"host": u.hostname or "127.0.0.1", "port": u.port or 5432, "dbname": u.path.lstrip("/"),
            "user": u.username or "postgres", "password": u.password or ""}


def mapfile(db_url: str, extent: tuple[float, float, float, float], base: str) -> str:
    c = _libpq(db_url)
    conn = " ".join(f"{k}={v}" for k, v in c.items() if v != "")
    items = ", ".join(TILE_ATTRIBUTES)
    return f"""MAP
  NAME "parcels"
  EXTENT {' '.join(repr(v) for v in extent)}
  SIZE 256 256
  PROJECTION "init=epsg:4490" END
  WEB
    METADATA
      "ows_title" "parcels"
      "ows_enable_request" "*"
      "oga_enable_request" "*"
      "ows_srs" "EPSG:4490 EPSG:4326 EPSG:3857"
      "oga_onlineresource" "{base}/mapserv/parcels/ogcapi"
      "wms_onlineresource" "{base}/mapserv?map=parcels"
      "oga_html_template_directory" "/usr/share/mapserver/ogcapi/templates/html-plain/"
    END
  END
  OUTPUTFORMAT
    NAME "mvt"
    DRIVER MVT
    FORMATOPTION "EXTENT=4096"
    FORMATOPTION "EDGE_BUFFER=64"
  END
  # Debian's MapServer 8.0.0 ignores OGC API `offset` (a MapServer bug fixed upstream after
  # 8.0.0): every page is its first page, its own next links included. Its pages hold as many parcels
  # of the same table as the others', by a cheaper query (no OFFSET), which flatters it; the sanity
  # section records the first ids. bbox pages (offset 0 everywhere) are the same features.
  LAYER
    NAME "parcels"
    TYPE POLYGON
    STATUS ON
    CONNECTIONTYPE POSTGIS
    CONNECTION "{conn}"
    DATA "geom FROM (SELECT {items}, geom FROM public.parcels WHERE NOT retired) AS t USING UNIQUE id USING SRID=4490"
    PROJECTION "init=epsg:4490" END
    # Keep the PostGIS connection between requests (each FastCGI process has one), as pools do.
    PROCESSING "CLOSE_CONNECTION=DEFER"
    TEMPLATE "ttt"
    METADATA
      "ows_title" "parcels"
      "gml_include_items" "{items.replace(' ', '')}"
      "gml_featureid" "id"
      "gml_types" "auto"
      "oga_max_limit" "10000"
    END
  END
END
"""


def mapserver_config(map_path: Path) -> str:
    return f"""CONFIG
  ENV
    MS_ERRORFILE "stderr"
  END
  MAPS
    parcels "{map_path}"
  END
END
"""


def nginx_config(tmp: Path, port: int, fcgi_port: int, config_file: Path) -> str:
    temps = "\n".join(f"  {k}_temp_path {tmp}/{k};" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
{temps}
  upstream mapserv {{ server 127.0.0.1:{fcgi_port}; keepalive 16; }}
  server {{
    listen 127.0.0.1:{port};
    location /mapserv {{
      fastcgi_pass mapserv;
      fastcgi_keep_conn on;
      fastcgi_buffers 64 64k;
      include /etc/nginx/fastcgi_params;
      fastcgi_split_path_info ^(/mapserv)(.*)$;
      fastcgi_param SCRIPT_NAME /mapserv;
      fastcgi_param PATH_INFO $fastcgi_path_info;
      fastcgi_param MAPSERVER_CONFIG_FILE {config_file};
    }}
  }}
}}
"""


def mapserver_version() -> str | None:
    out = subprocess.run(["mapserv", "-v"], capture_output=True, text=True)
    return out.stdout.strip() or None


def mapserver_missing_support() -> list[str]:
    v = mapserver_version() or ""
    return [s for s in ("SUPPORTS=OGCAPI_SERVER", "SUPPORTS=FASTCGI", "SUPPORTS=PBF", "INPUT=POSTGIS")
            if s not in v]


class MapServer(Server):
    """mapserv under spawn-fcgi (MAPSERV_PROCESSES processes on one socket) behind nginx."""

    ITEMS = "/mapserv/parcels/ogcapi/collections/parcels/items"
    TILE_TEMPLATE = ("/mapserv?map=parcels&mode=tile&tilemode=gmap&tile={x}+{y}+{z}"
                     "&layers=parcels&map.imagetype=mvt")

    def __init__(self, db_url: str, extent: tuple[float, float, float, float]) -> None:
        tmp = Path(tempfile.mkdtemp(prefix="bench-mapserver-"))
        super().__init__("mapserver", [], {}, self.ITEMS + "?f=json&limit=1", tmp, temp_cwd=True)
        self.fcgi_port = free_port()
        self.map_path, self.config_path = tmp / "parcels.map", tmp / "mapserver.conf"
        self.map_path.write_text(mapfile(db_url, extent, self.base))
        self.config_path.write_text(mapserver_config(self.map_path))
        (tmp / "nginx.conf").write_text(nginx_config(tmp, self.port, self.fcgi_port, self.config_path))
        self.env = {"MAPSERVER_CONFIG_FILE": str(self.config_path), "PATH": os.environ.get("PATH", ""),
                    "MAPSERV_PROCESSES": str(MAPSERV_PROCESSES)}
        self._fcgi_pids: list[int] = []

    @property
    def pids(self) -> list[int]:
        return [self.pid, *self._fcgi_pids]

    def start(self, timeout_s: float = 60) -> None:
        tmp = self.cwd
        pidfile = tmp / "mapserv.pids"
        subprocess.run(["spawn-fcgi", "-a", "127.0.0.1", "-p", str(self.fcgi_port), "-F", str(MAPSERV_PROCESSES),
                        "-P", str(pidfile), "--", "/usr/bin/mapserv"], env=self.env, check=True,
                       capture_output=True, cwd=tmp)
        self._fcgi_pids = [int(p) for p in pidfile.read_text().split()]
        self.log_path = tmp / "nginx.out"
        self.proc = subprocess.Popen(["nginx", "-c", str(tmp / "nginx.conf"), "-p", str(tmp)],
                                     stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT)
        self._wait_healthy(timeout_s)

    def stop(self, cleanup: bool = True) -> None:
        # mapserv's FastCGI loop only notices SIGTERM between requests: KILL whoever is left.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in self._fcgi_pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            time.sleep(0.5)
        self._fcgi_pids = []
        super().stop(cleanup)

    def log_tail(self, lines: int = 15) -> str:
        err = self.cwd / "nginx-error.log"
        return err.read_text(errors="replace")[-2000:] if err.exists() else super().log_tail(lines)


def pygeoapi_config(db_url: str, port: int, extent: tuple[float, float, float, float]) -> str:
    c = _libpq(db_url)
    return f"""server:
  bind: {{host: 127.0.0.1, port: {port}}}
  url: http://127.0.0.1:{port}
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  languages: [en-US]
  limits: {{default_items: 10, max_items: 10000}}
  pretty_print: false
  map: {{url: 'http://127.0.0.1/', attribution: ''}}
logging: {{level: ERROR}}
metadata:
  identification: {{title: bench, description: bench, keywords: [bench], keywords_type: theme,
                    terms_of_service: '', url: 'http://127.0.0.1/'}}
  license: {{name: none, url: 'http://127.0.0.1/'}}
  provider: {{name: bench, url: 'http://127.0.0.1/'}}
  contact: {{name: bench, position: bench, address: '', city: '', stateorprovince: '', postalcode: '',
             country: '', phone: '', fax: '', email: '', url: '', hours: '', instructions: '', role: pointOfContact}}
resources:
{_pygeoapi_resource("parcels", c, extent, None)}
{_pygeoapi_resource(PYGEOAPI_BBOX_COLLECTION, c, extent, PYGEOAPI_STORAGE_CRS)}
"""


def _pygeoapi_resource(name: str, c: dict, extent, storage_crs: str | None) -> str:
    crs = (f"""
        storage_crs: {storage_crs}
        crs: ['http://www.opengis.net/def/crs/OGC/1.3/CRS84', '{storage_crs}']""" if storage_crs else "")
    return f"""  {name}:
    type: collection
    title: {name}
    description: parcels
    keywords: [parcels]
    extents:
      spatial: {{bbox: [{', '.join(repr(v) for v in extent)}], crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'}}
    providers:
      - type: feature
        name: PostgreSQL
        data: {{host: {c['host']}, port: {c['port']}, dbname: {c['dbname']}, user: {c['user']},
               password: '{c['password']}', search_path: [public]}}
        id_field: id
        table: parcels
        geom_field: geom{crs}"""


def pygeoapi(db_url: str, extent: tuple[float, float, float, float]) -> Server | None:
    """pygeoapi's Starlette app under the same uvicorn flags as ours and tipg; None if not installed."""
    python = PYGEOAPI_VENV / "bin" / "python"
    if not python.exists():
        return None
    tmp = Path(tempfile.mkdtemp(prefix="bench-pygeoapi-"))
    port = free_port()
    (tmp / "config.yml").write_text(pygeoapi_config(db_url, port, extent))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIS_", "TIPG_"))}
    env.update({"PYGEOAPI_CONFIG": str(tmp / "config.yml"), "PYGEOAPI_OPENAPI": str(tmp / "openapi.yml")})
    out = subprocess.run([str(PYGEOAPI_VENV / "bin" / "pygeoapi"), "openapi", "generate", str(tmp / "config.yml"),
                          "--output-file", str(tmp / "openapi.yml")], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RuntimeError(f"pygeoapi openapi generate failed: {out.stderr[-500:]}")
    cmd = [str(python), "-m", "uvicorn", "pygeoapi.starlette_app:APP", "--host", "127.0.0.1", *UVICORN_FLAGS]
    server = Server("pygeoapi", cmd, env, "/collections/parcels?f=json", tmp, port=port, temp_cwd=True)
    return server


def pygeoapi_version() -> str | None:
    python = PYGEOAPI_VENV / "bin" / "python"
    if not python.exists():
        return None
    out = subprocess.run([str(python), "-c", "import pygeoapi, sqlalchemy, psycopg2; print(pygeoapi.__version__, "
                          "sqlalchemy.__version__, psycopg2.__version__.split()[0])"], capture_output=True, text=True)
    return out.stdout.strip() or None


def wait_http(url: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    return False
