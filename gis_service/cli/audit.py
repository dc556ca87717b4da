"""`gis-service audit verify`: walk the hash chains of the audit log and the history."""
from __future__ import annotations

import typer
from rich.console import Console

from gis_service.settings import Settings

audit_app = typer.Typer(help="Tamper-evident trail (审计链)", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)


@audit_app.command("verify")
def verify_command() -> None:
    """Recompute every link; print the first broken one and exit 1, or each chain's head."""
    from gis_service.auth.chain import verify
    from gis_service.db.engine import make_engine

    engine = make_engine(Settings(), pool_size=1, max_overflow=0)
    try:
        with engine.connect() as conn:
            states = verify(conn)
    finally:
        engine.dispose()
    broken = [s.broken for s in states if s.broken]
    if broken:
        console.print(f"[red]审计链断裂 / chain broken:[/red] {broken[0].line()}")
        raise typer.Exit(1)
    for state in states:
        print(f"{state.chain}: {state.rows} rows intact, head {state.head_hash}")
