"""Property-based test of the JSON API and Open311 against their own OpenAPI schema (schemathesis):
whatever the generated input, no endpoint answers 5xx. Runs against a live server with a real dev
server and worker, signed in with an API token."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlmodel import Session

from services.accounts import issue_token

pytestmark = pytest.mark.devserver


@pytest.fixture(scope="module")
def bearer(live_site) -> dict[str, str]:
    with Session(live_site.engine) as session:
        return {"Authorization": f"Bearer {issue_token(session, 'dispatcher', 'fuzz')}"}


def _schema_of_the_app() -> dict:
    """The app's own OpenAPI document, built without any server (the schema does not depend on data)."""
    from app.main import create_app
    from core.config import Settings

    return create_app(Settings(database_url="sqlite://", environment="test")).openapi()


schema = schemathesis.openapi.from_dict(_schema_of_the_app()).include(path_regex="^/(api/v1|open311)/")


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_input_makes_a_server_error(case, live_site, bearer):
    response = case.call(base_url=live_site.url, headers=bearer, timeout=30)
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}: " \
                                       f"{response.text[:300]}"
