"""`gis-service keys ...` and `gis-service progress import`, registered by ``gis_service.cli``."""
from __future__ import annotations

import getpass
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from gis_service.auth.principal import Principal
from gis_service.settings import Settings

keys_app = typer.Typer(help="API keys (roles viewer / editor / admin); only a hash is stored",
                       no_args_is_help=True)
progress_app = typer.Typer(help="Progress tracking (进展)", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)


def _engine():
    from gis_service.db.engine import make_engine

    return make_engine(Settings(), pool_size=1, max_overflow=0)


def _operator() -> Principal:
    """Shell access to the database is admin by construction; history names the OS user."""
    return Principal(f"cli:{getpass.getuser()}", "admin", key_id=0, via="cli")


@keys_app.command("create")
def keys_create(name: str = typer.Argument(..., help="who or what uses the key, e.g. zhang.san or qgis-office"),
                role: str = typer.Option("viewer", help="viewer | editor | admin")) -> None:
    """Create a key and print it once; it cannot be shown again."""
    from gis_service.auth.keys import create_key

    engine = _engine()
    with engine.begin() as conn:
        key, row = create_key(conn, name, role, created_by=_operator().name)
    engine.dispose()
    console.print(f"created key {row['name']!r} ({row['role']}), prefix {row['key_prefix']}. "
                  "保存好，只显示这一次 / store it now, it is shown only once:")
    print(key)


@keys_app.command("list")
def keys_list() -> None:
    """Keys with their role, prefix and state (never the key itself)."""
    from gis_service.auth.keys import list_keys

    engine = _engine()
    with engine.connect() as conn:
        rows = list_keys(conn)
    engine.dispose()
    table = Table("name", "role", "prefix", "created", "state")
    for r in rows:
        state = f"revoked {r['revoked_at']:%Y-%m-%d %H:%M}" if r["revoked_at"] else "active"
        table.add_row(r["name"], r["role"], r["key_prefix"], f"{r['created_at']:%Y-%m-%d %H:%M}", state)
    Console().print(table)


@keys_app.command("revoke")
def keys_revoke(ref: str = typer.Argument(..., help="key name or the prefix shown by `keys list`")) -> None:
    """Revoke a key at once; its browser sessions end too."""
    from gis_service.auth.keys import revoke_key

    engine = _engine()
    with engine.begin() as conn:
        rows = revoke_key(conn, ref)
    engine.dispose()
    for r in rows:
        console.print(f"revoked {r['name']!r} ({r['role']})")


@keys_app.command("unconditional")
def keys_unconditional(ref: str = typer.Argument(..., help="key name or prefix"),
                       off: bool = typer.Option(False, "--off", help="require If-Match again")) -> None:
    """Let a desktop client's key (QGIS) write without If-Match; such writes are marked in the history."""
    from gis_service.auth.keys import set_unconditional_writes
    from gis_service.auth import audit

    engine = _engine()
    with engine.begin() as conn:
        rows = set_unconditional_writes(conn, ref, not off)
        audit.record(conn, _operator(), method="CLI", path="keys unconditional", status=200,
                     action="key_unconditional", detail={"keys": [r["name"] for r in rows],
                                                          "unconditional_writes": not off})
    engine.dispose()
    for r in rows:
        console.print(f"{r['name']!r}: unconditional_writes={r['unconditional_writes']}")


@progress_app.command("import")
def progress_import(path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX sheet"),
                    dry_run: bool = typer.Option(False, "--dry-run", help="preview only; change nothing"),
                    skip_invalid: bool = typer.Option(False, "--skip-invalid",
                                                      help="apply the valid rows and list the skipped ones"),
                    as_json: bool = typer.Option(False, "--json", help="print the full report as JSON")) -> None:
    """Import progress rows: all-or-nothing in one transaction, recorded in history with the file name."""
    from gis_service.services.progress.bulk import import_progress

    engine = _engine()
    try:
        report = import_progress(engine, path.read_bytes(), path.name, _operator(), dry_run=dry_run,
                                 skip_invalid=skip_invalid)
    finally:
        engine.dispose()
    body = report.as_dict()
    if as_json:
        print(json.dumps(body, ensure_ascii=False, indent=2, default=str))
    summary = body["summary"]
    verb = "would change" if dry_run else "changed"
    console.print(f"{path.name}: {summary['rows']} rows, {verb} {summary['change']}, unchanged "
                  f"{summary['unchanged']}, errors {summary['error']}{' (skipped)' if report.applied else ''}")
    for row in body["errors"]:
        for e in row["errors"]:
            console.print(f"  row {row['row']} {e['field']}: {e['message_zh']} / {e['message']}")
