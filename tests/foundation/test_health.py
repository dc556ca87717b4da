"""/healthz against a real cluster that is stopped and started under the app."""
import tempfile
from pathlib import Path

from gis_service.db.embedded import EmbeddedCluster
from gis_service.db.migrate import upgrade
from gis_service.loader.load import load_layers

from ..conftest import app_client, free_port
from .layer_fixtures import default_layers


def test_healthz_reports_counts_then_503_then_recovers(tmp_path):
    root = Path(tempfile.mkdtemp(prefix="gis-health-pg-"))
    root.chmod(0o755)
    cluster = EmbeddedCluster(data_dir=root / "c", port=free_port())
    try:
        cluster.start()
        upgrade(cluster.url)
        with app_client(cluster.url, connect_timeout_s=2) as client:
            load_layers(client.app.state.engine, default_layers(tmp_path / "layers"))
            ok = client.get("/healthz")
            assert ok.status_code == 200
            body = ok.json()
            assert body["postgis_version"].startswith("3.")
            assert body["collections"]["projects"]["features"] == 2
            assert body["collections"]["urban_village_sites"]["features"] == 1

            cluster.stop("immediate")
            down = client.get("/healthz")
            assert down.status_code == 503
            assert down.json()["message_zh"] == "数据库无法连接"
            assert down.headers["retry-after"]

            cluster.start()
            again = client.get("/healthz")
            assert again.status_code == 200
            assert again.json()["collections"]["projects"]["features"] == 2
    finally:
        cluster.destroy()
