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


def _published(service: dict) -> list[str]:
    return [str(port) for port in service.get("ports", [])]


def test_compose_keeps_temporal_off_public_interfaces():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert _published(services["temporal"]) == []  # gRPC: anyone reaching it could forge updates
    for port in _published(services["temporal-ui"]):
        assert port.startswith("127.0.0.1:"), f"the Temporal UI is published on every interface: {port}"


def test_compose_gives_the_ui_the_codec_and_the_services_the_key_from_the_environment():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    ui = services["temporal-ui"]["environment"]
    assert "/codec" in ui["TEMPORAL_CODEC_ENDPOINT"] and ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"
    for name in ("web", "worker", "migrate"):
        key = services[name]["environment"]["PAYLOAD_KEY"]
        assert key.startswith("${PAYLOAD_KEY:?"), f"{name}: the key must come from the environment, not the file"
