"""docker-compose.yml describes the production-like stack and uses only settings the app knows."""

from pathlib import Path

import yaml

from core.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_compose_has_the_production_services_and_known_settings():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "temporal", "temporal-ui", "migrate", "web", "worker"} <= set(services)
    assert services["temporal"]["environment"]["DB"].startswith("postgres")
    assert services["worker"]["deploy"]["replicas"] >= 2
    known = {name.upper() for name in Settings.model_fields}
    for name in ("web", "worker", "migrate"):
        assert set(services[name]["environment"]) <= known, name
    assert (ROOT / services["postgres"]["volumes"][1].split(":")[0].removeprefix("./")).exists()
