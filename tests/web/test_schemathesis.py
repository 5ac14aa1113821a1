"""Property-based API tests: every operation of the OpenAPI schema, fuzzed, never answers 5xx.

Schemathesis (v4) reads the schema the platform serves at /api/openapi.json and calls the
app in-process through ASGI (no network). Requests carry demo-cement's API client token,
so the generated inputs reach the services instead of stopping at 401. Only the
``not_a_server_error`` check runs: a 4xx for nonsense input is the right answer, a 5xx
never is. Examples are capped and derandomised so the run is short and repeatable.
Nothing is excluded.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from sqlalchemy import create_engine

from tanji.accounts import service as accounts
from tanji.settings import Settings
from tanji.web.app import create_app

MAX_EXAMPLES = 15  # per operation; with ~30 operations the run stays well under a minute


@pytest.fixture(scope="module")
def web_app(tmp_path_factory) -> Iterator[FastAPI]:
    """A platform of its own: the fuzzer creates products and studies as it goes."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
        app = create_app(Settings(data_dir=tmp_path_factory.mktemp("fuzz-web"), demo=True))
        yield app
        app.state.engine.dispose()


@pytest.fixture(scope="module")
def token(web_app: FastAPI) -> dict[str, str]:
    with TestClient(web_app) as client:
        response = client.post(
            "/auth/token",
            data={"grant_type": "client_credentials"},
            auth=("demo-cement-api", "demo-cement-secret"),
        )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _schema() -> dict:
    """The schema the platform serves, read at collection so each operation is its own test.

    Building the app needs no database (an engine that never connects will do); the
    requests go to the seeded ``web_app`` fixture. (``schemathesis.pytest.from_fixture``
    would load it lazily instead, but its subtests do not run under pytest 9.2.)
    """
    engine = create_engine("sqlite://")
    try:
        return create_app(Settings(), engine=engine).openapi()
    finally:
        engine.dispose()


schema = schemathesis.openapi.from_dict(
    _schema(),
    config=SchemathesisConfig.from_dict(
        {
            "seed": 20261125,
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
            # the "stateful" phase follows OpenAPI links, which the schema does not declare
            "phases": {"stateful": {"enabled": False}},
        }
    ),
)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_with_a_server_error(
    case, web_app: FastAPI, token: dict[str, str]
) -> None:
    case.call_and_validate(app=web_app, headers=token, checks=[not_a_server_error])
