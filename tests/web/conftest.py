"""Fixtures for the web face: one seeded platform per test session, fresh clients per test.

The platform runs on its embedded SQLite database with the demo organisations; each test
gets a client with its own cookies. ``login`` logs a demo person in; ``bearer`` gives an
API client's token. Tests that change data create their own products and studies.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tanji.settings import Settings
from tanji.web.app import create_app

DEMO_PASSWORD = "tanji-demo-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def web_app(tmp_path_factory) -> Iterator[FastAPI]:
    """The shared platform. Every test client comes from one address, so the per-address
    login lock (tested on its own in tests/accounts) is lifted here: wrong-password tests
    across the session would otherwise lock every later login."""
    from tanji.accounts import service as accounts

    settings = Settings(data_dir=tmp_path_factory.mktemp("web"), demo=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "MAX_FAILURES_PER_ADDRESS", 1_000_000)
        app = create_app(settings)
        yield app
        app.state.engine.dispose()


def csrf_of(client: TestClient) -> str:
    """The CSRF token of the client's cookie (fetching a page sets it)."""
    if "tanji_csrf" not in client.cookies:
        client.get("/login")
    return client.cookies["tanji_csrf"]


def post_form(client: TestClient, url: str, data: dict | None = None, **kwargs):
    """POST a form with the CSRF token, as a browser would."""
    form = {"csrf_token": csrf_of(client), **(data or {})}
    return client.post(url, data=form, **kwargs)


@pytest.fixture
def client(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app, base_url="http://testserver") as made:
        made.cookies.set("tanji_lang", "en")  # assert on English msgids; zh is tested apart
        yield made


@pytest.fixture
def make_client(web_app: FastAPI) -> Iterator[Callable[[], TestClient]]:
    made: list[TestClient] = []

    def factory() -> TestClient:
        new = TestClient(web_app, base_url="http://testserver")
        new.cookies.set("tanji_lang", "en")
        made.append(new)
        return new

    yield factory
    for each in made:
        each.close()


@pytest.fixture
def login(make_client) -> Callable[[str], TestClient]:
    """``login("carbon@cement.demo")`` → a client logged in as that demo person."""

    def do(username: str, password: str = DEMO_PASSWORD) -> TestClient:
        browser = make_client()
        response = post_form(
            browser,
            "/login",
            {"username": username, "password": password},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        return browser

    return do


@pytest.fixture
def bearer(client: TestClient) -> Callable[[str, str], dict[str, str]]:
    """``bearer("demo-cement-api", "demo-cement-secret")`` → an Authorization header."""

    def do(client_id: str, secret: str) -> dict[str, str]:
        response = client.post(
            "/auth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return do
