"""No Docker engine here: the compose "cluster" profile must agree with deploy/ and the settings."""
import re

import yaml

from gis_service.settings import PROJECT_ROOT, Settings


def test_cluster_profile_matches_the_nginx_template_and_settings():
    compose = yaml.safe_load((PROJECT_ROOT / "docker" / "compose.yaml").read_text("utf-8"))
    services = compose["services"]
    cluster = {name for name, s in services.items() if "cluster" in s.get("profiles", [])}
    assert cluster == {"db-replica", "app1", "app2", "nginx"}
    template = (PROJECT_ROOT / "deploy" / "nginx" / "gis-service.conf").read_text("utf-8")
    placeholders = set(re.findall(r"\{\{(\w+)\}\}", template))
    command = " ".join(services["nginx"]["command"])
    assert set(re.findall(r"s#\{\{(\w+)\}\}#", command)) == placeholders
    assert "../deploy/nginx/gis-service.conf:/deploy/gis-service.conf:ro" in services["nginx"]["volumes"]
    assert "pg_basebackup" in " ".join(services["db-replica"]["entrypoint"]) and " -R " in " ".join(
        services["db-replica"]["entrypoint"])
    for app in ("app1", "app2"):
        env = services[app]["environment"]
        settings = Settings(**{k[4:].lower(): v for k, v in env.items() if k.startswith("GIS_")})
        assert "@db:" in settings.database_url and "@db-replica:" in settings.database_read_url
        assert settings.cookie_secret  # one shared secret: read-your-writes cookies work across processes
        assert f"server {app}:{settings.port}" in command
