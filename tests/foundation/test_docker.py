"""No Docker engine here: check the compose file agrees with the settings instead."""
import yaml

from gis_service.settings import PROJECT_ROOT, Settings


def test_compose_wires_app_to_postgis():
    compose = yaml.safe_load((PROJECT_ROOT / "docker" / "compose.yaml").read_text("utf-8"))
    app, db = compose["services"]["app"], compose["services"]["db"]
    assert db["image"] == "postgis/postgis:15-3.3"
    assert "healthcheck" in db and "healthcheck" in app
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert any(v.split(":")[0] == "pgdata" for v in db["volumes"]) and "pgdata" in compose["volumes"]

    env = app["environment"]
    settings = Settings(**{k[4:].lower(): v for k, v in env.items() if k.startswith("GIS_")})
    user, password = db["environment"]["POSTGRES_USER"], db["environment"]["POSTGRES_PASSWORD"]
    assert settings.database_url == (
        f"postgresql+psycopg://{user}:{password}@db:5432/{db['environment']['POSTGRES_DB']}")
    published = [p.split(":")[-1] for p in app["ports"]]
    assert str(settings.port) in published


def test_dockerfile_runs_as_non_root():
    lines = (PROJECT_ROOT / "docker" / "Dockerfile").read_text("utf-8").splitlines()
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
