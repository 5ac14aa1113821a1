"""Disclosure, supply-chain and public disclosure pages, through the browser's forms.

The module has its own platform: it publishes, withdraws and answers requests, which the
other web tests must not see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tanji.exchange.pact.models import PublishedFootprint
from tanji.settings import Settings
from tanji.web.app import create_app
from tests.web.conftest import DEMO_PASSWORD, post_form

CEMENT = "carbon@cement.demo"
ALUMINIUM = "carbon@aluminium.demo"


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[FastAPI]:
    made = create_app(Settings(data_dir=tmp_path_factory.mktemp("exchange-pages"), demo=True))
    yield made
    made.state.engine.dispose()


@pytest.fixture(scope="module")
def person(app: FastAPI) -> Iterator[Callable[[str], TestClient]]:
    clients: dict[str, TestClient] = {}

    def do(username: str) -> TestClient:
        if username not in clients:
            browser = TestClient(app, base_url="http://testserver")
            browser.__enter__()
            browser.cookies.set("tanji_lang", "en")
            browser.get("/login")
            answer = post_form(
                browser,
                "/login",
                {"username": username, "password": DEMO_PASSWORD},
                follow_redirects=False,
            )
            assert answer.status_code == 303, answer.text
            clients[username] = browser
        return clients[username]

    yield do
    for browser in clients.values():
        browser.__exit__(None, None, None)


def _calculation_option(html: str) -> str:
    found = re.search(r'name="calculation_id".*?<option value="([0-9a-f-]{36})"', html, re.S)
    assert found, "no calculation to choose"
    return found.group(1)


def _location_id(answer, prefix: str) -> str:
    assert answer.status_code == 303, answer.text
    found = re.match(rf"{prefix}([0-9a-f-]{{36}})", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


class TestDisclosurePages:
    def test_publish_share_publicly_and_withdraw(
        self, app: FastAPI, person: Callable[[str], TestClient]
    ) -> None:
        cement = person(CEMENT)
        page = cement.get("/disclosure")
        assert page.status_code == 200 and "publish-form" in page.text
        calculation_id = _calculation_option(page.text)
        refused = post_form(
            cement,
            "/disclosure",
            {"calculation_id": calculation_id, "visibility": "partners", "partners": "nobody"},
        )
        assert refused.status_code == 422 and "No organisation" in refused.text
        answer = post_form(
            cement,
            "/disclosure",
            {"calculation_id": calculation_id, "visibility": "public", "partners": ""},
            follow_redirects=False,
        )
        disclosure_id = _location_id(answer, "/disclosure/")
        shown = cement.get(f"/disclosure/{disclosure_id}?done=published")
        assert "The footprint was published." in shown.text and "withdraw-form" in shown.text

        anyone = TestClient(app, base_url="http://testserver")
        listing = anyone.get("/disclosures")
        assert listing.status_code == 200 and disclosure_id in listing.text
        product = anyone.get("/disclosures/demo-cement/PO-42.5.json").json()
        assert product["current"]["id"] == disclosure_id
        assert "model" not in json.dumps(product) and "inputs" not in json.dumps(product)
        assert anyone.get("/disclosures/demo-cement/PO-42.5").status_code == 200
        assert anyone.get("/disclosures/demo-cement/NO-SUCH").status_code == 404

        refused = post_form(cement, f"/disclosure/{disclosure_id}/withdraw", {"reason": ""})
        assert refused.status_code == 422 and "Give a reason." in refused.text
        post_form(
            cement,
            f"/disclosure/{disclosure_id}/withdraw",
            {"reason": "Metering error found"},
            follow_redirects=False,
        )
        product = anyone.get("/disclosures/demo-cement/PO-42.5.json").json()
        assert product["current"] is None
        assert product["history"][0]["action"] == "withdrawn"
        assert product["history"][0]["reason"] == "Metering error found"
        feed = anyone.get("/disclosures/feed.json")
        assert feed.headers["content-type"].startswith("application/feed+json")
        first = feed.json()["items"][0]
        assert first["_tanji"]["action"] == "withdrawn"
        assert first["_tanji"]["disclosure"]["id"] == disclosure_id

    def test_another_enterprise_cannot_open_it(
        self, app: FastAPI, person: Callable[[str], TestClient]
    ) -> None:
        with app.state.sessions() as session:
            theirs = session.scalars(select(PublishedFootprint.id)).first()
        assert theirs is not None
        cement, aluminium = person(CEMENT), person(ALUMINIUM)
        owner = cement if cement.get(f"/disclosure/{theirs}").status_code == 200 else aluminium
        other = aluminium if owner is cement else cement
        assert other.get(f"/disclosure/{theirs}").status_code == 404


class TestSupplyChainPages:
    def test_request_answer_use_and_update(
        self, app: FastAPI, person: Callable[[str], TestClient]
    ) -> None:
        aluminium, cement = person(ALUMINIUM), person(CEMENT)
        assert aluminium.get("/supply-chain").status_code == 200
        refused = post_form(
            aluminium, "/supply-chain/requests", {"supplier": "nobody", "product_name": "x"}
        )
        assert refused.status_code == 422 and "No enterprise" in refused.text
        answer = post_form(
            aluminium,
            "/supply-chain/requests",
            {"supplier": "demo-cement", "product_name": "Cement for anode paste", "comment": "Q3"},
            follow_redirects=False,
        )
        request_id = _location_id(answer, "/supply-chain/requests/")
        post_form(aluminium, f"/supply-chain/requests/{request_id}/remind", follow_redirects=False)
        again = post_form(aluminium, f"/supply-chain/requests/{request_id}/remind")
        assert again.status_code == 422 and "less than an hour" in again.text

        incoming = cement.get("/supply-chain")
        assert "Cement for anode paste" in incoming.text
        page = cement.get(f"/supply-chain/requests/{request_id}")
        assert "answer-form" in page.text and "Reminder sent" in page.text
        delivered = post_form(
            cement,
            f"/supply-chain/requests/{request_id}/answer",
            {"calculation_id": _calculation_option(page.text)},
            follow_redirects=False,
        )
        assert delivered.status_code == 303
        seen = aluminium.get(f"/supply-chain/requests/{request_id}")
        found = re.search(r"pact:([0-9a-f-]{36})", seen.text)
        assert found and "Footprint delivered" in seen.text
        library = aluminium.get("/supply-chain")
        assert f"pact:{found.group(1)}" in library.text

    def test_a_bad_pact_file_is_refused_with_the_field(
        self, person: Callable[[str], TestClient]
    ) -> None:
        aluminium = person(ALUMINIUM)
        answer = post_form(
            aluminium,
            "/supply-chain/library",
            files={"file": ("pf.json", b'{"specVersion": "3.0.3"}', "application/json")},
        )
        assert answer.status_code == 422
        assert "field-error" in answer.text and "Traceback" not in answer.text
