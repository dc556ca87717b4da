"""`gis-service cluster`: the production topology on loopback (primary, replica, apps, nginx)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

cluster_app = typer.Typer(help="Primary + streaming replica + app processes + nginx (loopback)",
                          no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)
ROOT = typer.Option(None, "--root", envvar="GIS_CLUSTER_DIR", help="where the topology lives")


@cluster_app.command("up")
def up(root: Optional[Path] = ROOT,
       apps: int = typer.Option(2, help="app processes"),
       http_port: int = typer.Option(8080, envvar="GIS_CLUSTER_HTTP_PORT", help="nginx port"),
       app_port: int = typer.Option(8081, envvar="GIS_CLUSTER_APP_PORT", help="first app process port"),
       primary_port: int = typer.Option(54916, envvar="GIS_CLUSTER_PRIMARY_PORT"),
       replica_port: int = typer.Option(54917, envvar="GIS_CLUSTER_REPLICA_PORT"),
       sync: bool = typer.Option(False, envvar="GIS_SYNC_REPLICA",
                                 help="synchronous replication (remote_apply): no acknowledged write lost"),
       load: bool = typer.Option(False, help="load the seed layers into the primary")) -> None:
    """Start (creating on first use) the whole topology."""
    from gis_service.cluster.topology import ClusterConfig, Topology, default_root
    from gis_service.settings import Settings

    config = ClusterConfig(root=root or default_root(), primary_port=primary_port, replica_port=replica_port,
                           http_port=http_port, app_ports=[app_port + i for i in range(apps)], sync=sync,
                           public_reads=Settings().public_reads)
    topology = Topology(config)
    if load:
        topology.config.check()
        topology.up_databases()
        _load(topology.primary.url)
    topology.up()
    console.print(f"cluster up: {topology.base_url} (nginx) → apps {config.app_ports}; "
                  f"primary :{primary_port}, replica :{replica_port}{' (synchronous)' if sync else ''}")


def _load(url: str) -> None:
    from gis_service.db.engine import make_engine
    from gis_service.loader.indicators import load_indicators
    from gis_service.loader.load import load_layers
    from gis_service.settings import Settings

    settings = Settings(database_url=url)
    engine = make_engine(settings, pool_size=1, max_overflow=0)
    try:
        load_layers(engine, settings.layers_dir)
        load_indicators(engine, settings.layers_dir / "indicators.csv")
    finally:
        engine.dispose()


@cluster_app.command("down")
def down(root: Optional[Path] = ROOT) -> None:
    """Stop nginx, the app processes, the replica and the primary (data is kept)."""
    from gis_service.cluster.topology import Topology

    Topology.load(root).down()
    console.print("cluster down")


@cluster_app.command("status")
def status(root: Optional[Path] = ROOT) -> None:
    """Each component's state; exit 1 when any is not running."""
    from gis_service.cluster.topology import Topology

    state = Topology.load(root).status()
    print(json.dumps(state, indent=1))
    running = [state["primary"]["running"], state["replica"]["running"], state["nginx"]["running"],
               *state["apps"].values()]
    raise typer.Exit(0 if all(running) else 1)


@cluster_app.command("failover")
def failover(root: Optional[Path] = ROOT) -> None:
    """Promote the replica and repoint the app processes' write URL at it (no restart)."""
    from gis_service.cluster.topology import Topology

    topology = Topology.load(root)
    topology.failover()
    console.print(f"promoted the replica; write URL now {topology.write_url()}")


def restore_to_time(when: str, root: Optional[Path]) -> None:
    from gis_service.cluster.topology import Topology
    from gis_service.db.pitr import parse_target

    target = parse_target(when)
    kept = Topology.load(root).restore(target)
    console.print(f"restored to {target.isoformat()} (previous data kept in {kept})")
