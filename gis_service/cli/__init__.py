"""`gis-service` command line: db, load, import, serve, layers."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from sqlalchemy.exc import DBAPIError, OperationalError

from gis_service.errors import GisError
from gis_service.settings import Settings

app = typer.Typer(help="城区规划一张图 service / Chengqu planning GIS service", no_args_is_help=True)
db_app = typer.Typer(help="Embedded PostGIS cluster and migrations", no_args_is_help=True)
layers_app = typer.Typer(help="Seed layer files", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(layers_app, name="layers")
demo_app = typer.Typer(help="Synthetic data for tests and benchmarks (合成数据)", no_args_is_help=True)
app.add_typer(demo_app, name="demo")
from gis_service.cli.progress import keys_app, progress_app  # noqa: E402  (the keys and progress command groups)
app.add_typer(keys_app, name="keys")
app.add_typer(progress_app, name="progress")
from gis_service.cli.audit import audit_app  # noqa: E402
from gis_service.cli.cluster import cluster_app, restore_to_time  # noqa: E402
app.add_typer(audit_app, name="audit")
app.add_typer(cluster_app, name="cluster")
from gis_service.cli.tiles import tiles_app  # noqa: E402
app.add_typer(tiles_app, name="tiles")
console = Console(stderr=True, soft_wrap=True)


def _cluster(settings: Settings):
    from gis_service.db.embedded import EmbeddedCluster

    return EmbeddedCluster.from_settings(settings)


def _database_url() -> str:
    from gis_service.db.embedded import resolved_database_url

    return resolved_database_url(Settings())


def _engine(settings: Settings):
    from gis_service.db.engine import make_engine

    return make_engine(settings, pool_size=2, max_overflow=0)


@db_app.command("up")
def db_up() -> None:
    """Create (first time) and start the embedded cluster."""
    settings = Settings()
    if settings.database_url:
        console.print("GIS_DATABASE_URL is set: using the external database, nothing to start.")
        return
    cluster = _cluster(settings)
    cluster.start()
    console.print(f"PostGIS running: {cluster.url} (data {cluster.data_dir})")


@db_app.command("down")
def db_down() -> None:
    """Stop the embedded cluster."""
    _cluster(Settings()).stop()
    console.print("embedded cluster stopped")


@db_app.command("status")
def db_status() -> None:
    """Show the embedded cluster's state; exit 1 when it is not running."""
    status = _cluster(Settings()).status()
    for key, value in status.items():
        print(f"{key}: {value}")
    raise typer.Exit(0 if status["running"] else 1)


@db_app.command("migrate")
def db_migrate(revision: str = typer.Argument("head")) -> None:
    """Upgrade the schema (default: to head)."""
    from gis_service.db.migrate import upgrade

    upgrade(_database_url(), revision)
    console.print(f"migrated to {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument("base")) -> None:
    """Downgrade the schema (default: to base, which drops everything)."""
    from gis_service.db.migrate import downgrade

    downgrade(_database_url(), revision)
    console.print(f"downgraded to {revision}")


@app.command("load")
def load(layers_dir: Optional[Path] = typer.Option(None, help="default: layers/ of the checkout"),
         demo: bool = typer.Option(False, help="also load layers/demo/progress.csv (演示数据)")) -> None:
    """Validate and load the seed layers in one transaction."""
    from gis_service.loader.indicators import load_indicators
    from gis_service.loader.load import load_layers

    settings = Settings()
    directory = layers_dir or settings.layers_dir
    engine = _engine(settings)
    report = load_layers(engine, directory)
    for table in report.inserted:
        console.print(f"{table:22} +{report.inserted[table]:<5} ~{report.updated[table]:<5} "
                      f"retired {report.retired[table]}")
    indicators = load_indicators(engine, directory / "indicators.csv")
    console.print(f"indicators: {indicators} rows")
    if demo:
        from gis_service.loader.demo import load_demo_progress

        count = load_demo_progress(engine, directory / "demo" / "progress.csv")
        console.print(f"[yellow]演示数据 / demo progress loaded for {count} items[/yellow]")
        _load_demo_stages(engine, directory)


def _load_demo_stages(engine, directory: Path) -> None:
    """Demo stage plans, then one full re-evaluation so the warnings reflect them."""
    from gis_service.loader.demo_stages import load_demo_stages
    from gis_service.services.monitoring.evaluate import evaluate_all

    count = load_demo_stages(engine, directory / "demo" / "stages.csv")
    with engine.begin() as conn:
        evaluate_all(conn)
    console.print(f"[yellow]演示数据 / demo stage plans loaded for {count} works; warnings re-evaluated[/yellow]")


@app.command("import")
def import_file(path: Path, collection: str = typer.Option(..., help="target collection id"),
                crs: Optional[str] = typer.Option(None, help="EPSG code/URI, gcj02 or bd09"),
                title: Optional[str] = typer.Option(None, help="collection title (zh)"),
                encoding: Optional[str] = typer.Option(None, help="force a shapefile encoding")) -> None:
    """Import a user file (GeoJSON, GPKG, zipped SHP, KML, CSV) as a collection."""
    from gis_service.loader.user_import import import_user_file

    count = import_user_file(_engine(Settings()), path, collection, crs=crs, title=title,
                             encoding=encoding)
    console.print(f"imported {count} features into {collection}")


@app.command("serve")
def serve(host: Optional[str] = None, port: Optional[int] = None,
          workers: int = typer.Option(1, help="uvicorn worker processes")) -> None:
    """Serve the API with uvicorn."""
    import uvicorn

    settings = Settings()
    if settings.database_read_url:
        _check_read_url(settings)
    uvicorn.run("gis_service.api.app:create_app", factory=True, host=host or settings.host,
                port=port or settings.port, workers=workers, proxy_headers=False,
                log_level="info")


def _check_read_url(settings: Settings) -> None:
    from gis_service.db.engine import make_engine
    from gis_service.db.replica import check_read_url

    write, read = _engine(settings), make_engine(settings, url=settings.database_read_url, pool_size=1)
    try:
        check_read_url(write, read)
    finally:
        write.dispose()
        read.dispose()


@layers_app.command("build")
def layers_build(out: Path = typer.Option(Path("layers"), help="output directory")) -> None:
    """Regenerate layers/ from the plan, gazetteer and boundary packages."""
    from gis_service.layerbuild.build import build

    build(out)
    console.print(f"layers written to {out}")


@demo_app.command("parcels")
def demo_parcels(n: int = typer.Option(200_000, "--n", help="number of parcels"),
                 seed: int = typer.Option(42, help="random seed (same seed, same parcels)")) -> None:
    """Generate and load a synthetic cadastre (宗地, 合成数据) that tessellates 城区."""
    from gis_service.loader.parcels import load_synthetic_parcels

    count = load_synthetic_parcels(_engine(Settings()), n, seed)
    console.print(f"loaded {count} synthetic parcels (合成数据)")


@app.command("backup")
def backup_command(path: Path) -> None:
    """Write a complete backup (pg_dump custom format) of the service's database."""
    from gis_service.db.backup import backup

    heads = backup(_database_url(), path)
    console.print(f"backup written to {path}")
    for chain, head in heads.items():  # to be kept elsewhere: a rewritten chain shows against it
        console.print(f"chain head {chain}: seq {head['seq']} {head['head_hash']}")


@app.command("restore")
def restore_command(path: Optional[Path] = typer.Argument(None),
                    to: Optional[str] = typer.Option(None, "--to", help="PITR: \"YYYY-MM-DD HH:MM[:SS]\" "
                                                     "(Asia/Shanghai), for a `gis-service cluster`"),
                    root: Optional[Path] = typer.Option(None, "--root", envvar="GIS_CLUSTER_DIR")) -> None:
    """Restore a backup made by `gis-service backup`, or (--to) the cluster to a moment."""
    from gis_service.db.backup import restore

    if (path is None) == (to is None):
        raise GisError("请给出备份文件或 --to 时间（二选一）", "give a backup file or --to, not both or neither",
                       status=400)
    if to is not None:
        restore_to_time(to, root)
        return
    restore(_database_url(), path)
    console.print(f"restored from {path}")


@app.command("check-parcels")
def check_parcels_command(
        path: Path, out: Path = typer.Option(..., "-o", "--out", help="results: .geojson, .csv, .gpkg or .xlsx"),
        crs: Optional[str] = typer.Option(None, help="EPSG code/URI, gcj02 or bd09 (when the file has none)"),
        use: Optional[str] = typer.Option(None, "--use", help="proposed use: residential, commercial, ..."),
        repair: bool = typer.Option(False, help="repair invalid polygons with ST_MakeValid"),
        layer: Optional[str] = typer.Option(None, help="GeoPackage layer"),
        use_column: Optional[str] = typer.Option(
            None, help="the file's per-row use column (default: 拟用途, 拟建用途, proposed_use, 用途, 地块用途)")) -> None:
    """Parcel constraint check (合规性初筛) of a file of parcels; one result row per parcel."""
    from rich.progress import Progress

    from gis_service.services.parcel_check.file_check import check_file

    with Progress(console=console) as progress:
        task = progress.add_task("初筛 checking", total=None)
        summary = check_file(_engine(Settings()), path, out, crs=crs, proposed_use=use, repair=repair,
                             layer=layer, use_column=use_column, on_start=lambda n: progress.update(task, total=n),
                             on_progress=lambda n: progress.advance(task, n))
    for error in summary["errors"]:
        console.print(f"[yellow]第 {error['row_number']} 行 row {error['row_number']}:[/yellow] {error['reason_zh']}")
    verdicts = ", ".join(f"{k} {v}" for k, v in summary["verdicts"].items())
    console.print(f"checked {summary['checked']} parcels ({verdicts}); {len(summary['errors'])} rows with errors; "
                  f"wrote {', '.join(str(p) for p in summary['written'])}")


def main() -> None:
    from gis_service.services import subscribers

    subscribers.register_all(Settings())  # once, before any command writes
    try:
        app()
    except GisError as exc:
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(1)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        console.print(f"[red]error:[/red] 数据库无法连接 / database unreachable: {reason}")
        sys.exit(1)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        hint = " (run: gis-service db migrate)" if "does not exist" in reason else ""
        console.print(f"[red]error:[/red] 数据库错误 / database error: {reason}{hint}")
        sys.exit(1)

