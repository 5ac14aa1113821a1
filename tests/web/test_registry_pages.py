"""The public registry on the web: search, certificate page, JSON, API and the badge —
all without login, none showing private data, the badge live and framable."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tanji.labels.models import Application, Certificate
from tests.labels.test_registry import UTC, Registry

SVG = "{http://www.w3.org/2000/svg}"
PRIVATE = ("Secret Clinker Supplier", "secret study title", "confidential process notes")


@dataclass(frozen=True)
class Made:
    tag: str
    valid: str
    suspended: str
    withdrawn: str
    expired: str
    private_ids: tuple[str, ...]  # study, calculation, application, product code …


@pytest.fixture(scope="module")
def made(web_app: FastAPI) -> Made:
    """Certificates of this module in the platform's database (committed, unique tag)."""
    with web_app.state.sessions() as session:
        reg = Registry(session)
        holder = reg.organisation("web-cement", city="晋中", name_en="Web Cement")
        body = reg.organisation("web-cert", kind="certifier", city="太原", name_en="Web Cert")
        valid = reg.certificate(holder, body, value=812.5, grade="2级")
        suspended = reg.certificate(holder, body, value=790.0, status="suspended", reason="gaps")
        withdrawn = reg.certificate(
            holder, body, value=700.0, status="withdrawn", reason="false data"
        )
        expired = reg.certificate(
            holder,
            body,
            value=805.0,
            issued_on=dt.date(2023, 5, 1),
            expires_on=dt.date(2025, 4, 30),
        )
        application = session.get(Application, valid.application_id)
        assert application is not None
        private = (
            str(valid.calculation_id),
            str(valid.application_id),
            str(application.study_id),
            str(valid.organisation_id),
            valid.product_code,
            valid.label_token_id,
        )
        session.commit()
        return Made(
            reg.tag, valid.number, suspended.number, withdrawn.number, expired.number, private
        )


@pytest.fixture
def anonymous(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app, base_url="http://testserver") as browser:
        browser.cookies.set("tanji_lang", "en")
        yield browser


def assert_nothing_private(text: str, made: Made) -> None:
    for secret in (*PRIVATE, *made.private_ids):
        assert secret not in text, secret


class TestSearchPage:
    def test_without_login(self, anonymous: TestClient, made: Made) -> None:
        response = anonymous.get("/registry", params={"q": made.tag})
        assert response.status_code == 200
        for number in (made.valid, made.suspended, made.withdrawn, made.expired):
            assert f'href="/registry/{number}"' in response.text
        assert "4 certificates found" in response.text
        assert_nothing_private(response.text, made)

    def test_filters_by_status(self, anonymous: TestClient, made: Made) -> None:
        response = anonymous.get("/registry", params={"q": made.tag, "status": "expired"})
        assert response.status_code == 200
        assert made.expired in response.text
        assert made.valid not in response.text

    def test_the_form_offers_categories_cities_and_bodies(
        self, anonymous: TestClient, made: Made
    ) -> None:
        text = anonymous.get("/registry").text
        assert '<option value="cement"' in text
        assert '<option value="晋中"' in text
        assert f'<option value="web-cert-{made.tag}"' in text

    def test_paginates(self, anonymous: TestClient, made: Made) -> None:
        text = anonymous.get("/registry", params={"q": made.tag, "page": 2}).text
        assert "No certificate matches this search." in text  # 4 fit on page 1

    def test_an_unknown_status_is_refused(self, anonymous: TestClient) -> None:
        assert anonymous.get("/registry", params={"status": "forged"}).status_code == 422


class TestCertificatePage:
    def test_shows_status_and_the_disclosed_figures(
        self, anonymous: TestClient, made: Made
    ) -> None:
        response = anonymous.get(f"/registry/{made.valid}")
        assert response.status_code == 200
        text = response.text
        assert "registry-status" in text and ">valid<" in text
        assert "812.5" in text and "kg CO2e per 1 t" in text
        assert "cradle-to-gate" in text and "2级" in text
        assert f"Web Cert {made.tag}" in text
        assert f'src="/badge/{made.valid}.svg"' in text
        assert "/v/" in text  # how to verify a label
        assert f'&lt;iframe src="http://testserver/badge/{made.valid}"' in text
        assert f'&lt;img src="http://testserver/badge/{made.valid}.svg"' in text
        assert f'href="/registry/{made.valid}.json"' in text
        assert_nothing_private(text, made)

    def test_a_suspension_with_its_reason(self, anonymous: TestClient, made: Made) -> None:
        text = anonymous.get(f"/registry/{made.suspended}").text
        assert ">suspended<" in text and "Reason: gaps" in text

    def test_an_expiry(self, anonymous: TestClient, made: Made) -> None:
        text = anonymous.get(f"/registry/{made.expired}").text
        assert ">expired<" in text and "This certificate expired on" in text

    def test_unknown_number(self, anonymous: TestClient) -> None:
        assert anonymous.get("/registry/CFP-NO-SUCH").status_code == 404

    def test_it_may_not_be_framed(self, anonymous: TestClient, made: Made) -> None:
        response = anonymous.get(f"/registry/{made.valid}")
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


class TestJson:
    def test_the_public_record(self, anonymous: TestClient, made: Made) -> None:
        response = anonymous.get(f"/registry/{made.suspended}.json")
        assert response.status_code == 200
        body = response.json()
        assert body["number"] == made.suspended
        assert body["status"] == "suspended" and body["status_reason"] == "gaps"
        assert body["value"] == 790.0 and body["unit"] == "1 t"
        assert [e["action"] for e in body["history"]] == ["issue", "suspend"]
        assert not {"study_id", "calculation_id", "product_code", "id"} & body.keys()
        assert_nothing_private(response.text, made)

    def test_unknown_number_is_a_json_404(self, anonymous: TestClient) -> None:
        response = anonymous.get("/registry/CFP-NO-SUCH.json")
        assert response.status_code == 404
        assert response.json()["detail"][0]["loc"] == ["number"]


class TestApi:
    def test_search(self, anonymous: TestClient, made: Made) -> None:
        response = anonymous.get(
            "/api/v1/registry/certificates", params={"q": made.tag, "status": "withdrawn"}
        )
        assert response.status_code == 200
        body = response.json()
        assert body["total"] == 1 and body["items"][0]["number"] == made.withdrawn
        assert body["items"][0]["status"] == "withdrawn"

    def test_one_certificate(self, anonymous: TestClient, made: Made) -> None:
        response = anonymous.get(f"/api/v1/registry/certificates/{made.valid}")
        assert response.status_code == 200
        assert response.json()["grade"] == "2级"
        assert_nothing_private(response.text, made)

    def test_unknown_number(self, anonymous: TestClient) -> None:
        response = anonymous.get("/api/v1/registry/certificates/CFP-NO-SUCH")
        assert response.status_code == 404

    def test_bad_filters_are_422(self, anonymous: TestClient) -> None:
        response = anonymous.get("/api/v1/registry/certificates", params={"limit": 0})
        assert response.status_code == 422


def parse(svg: str) -> tuple[ET.Element, str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root, " ".join("".join(node.itertext()) for node in root.iter(f"{SVG}text"))


class TestBadge:
    def test_a_valid_label(self, anonymous: TestClient, made: Made) -> None:
        response = anonymous.get(f"/badge/{made.valid}.svg")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert response.headers["cache-control"] == "public, max-age=300"
        root, text = parse(response.text)
        assert root.get("viewBox") == "0 0 300 100"
        assert "812.5" in text and "kg CO2e per 1 t" in text and "Portland cement" in text
        assert "Certified" in text
        assert "#16803c" in response.text  # the green label

    @pytest.mark.parametrize(
        ("which", "word", "colour"),
        [
            ("suspended", "Suspended", "#b45309"),
            ("withdrawn", "Withdrawn", "#b91c1c"),
            ("expired", "Expired", "#b91c1c"),
        ],
    )
    def test_a_label_that_no_longer_holds(
        self, anonymous: TestClient, made: Made, which: str, word: str, colour: str
    ) -> None:
        response = anonymous.get(f"/badge/{getattr(made, which)}.svg")
        _root, text = parse(response.text)
        assert word in text and "Certified" not in text
        assert colour in response.text and "#16803c" not in response.text

    def test_the_status_is_live(self, web_app: FastAPI, anonymous: TestClient) -> None:
        with web_app.state.sessions() as session:
            reg = Registry(session)
            holder = reg.organisation("live-cement", city="晋中")
            body = reg.organisation("live-cert", kind="certifier")
            number = reg.certificate(holder, body, value=640.0).number
            session.commit()
        before = anonymous.get(f"/badge/{number}.svg").text
        assert "Certified" in parse(before)[1]
        with web_app.state.sessions() as session:  # the certification body suspends it
            cert = session.scalar(select(Certificate).where(Certificate.number == number))
            assert cert is not None
            cert.status, cert.status_reason = "suspended", "surveillance overdue"
            application = session.get(Application, cert.application_id)
            assert application is not None
            Registry(session).event(
                application, "suspend", dt.datetime.now(UTC), reason="surveillance overdue"
            )
            session.commit()
        after = anonymous.get(f"/badge/{number}.svg").text
        _root, text = parse(after)
        assert "Suspended" in text and "Certified" not in text
        assert "#b45309" in after
        assert "surveillance overdue" in anonymous.get(f"/registry/{number}").text

    def test_in_chinese(self, anonymous: TestClient, made: Made) -> None:
        response = anonymous.get(f"/badge/{made.valid}.svg", params={"lang": "zh_CN"})
        _root, text = parse(response.text)
        assert "普通硅酸盐水泥" in text
        assert "tanji_lang=" not in response.headers.get("set-cookie", "")  # a document

    def test_unknown_number_is_a_404_image(self, anonymous: TestClient) -> None:
        response = anonymous.get("/badge/CFP-NO-SUCH.svg")
        assert response.status_code == 404
        _root, text = parse(response.text)
        assert "Not in the registry" in text

    def test_a_long_name_is_shortened(self, web_app: FastAPI, anonymous: TestClient) -> None:
        with web_app.state.sessions() as session:
            reg = Registry(session)
            holder = reg.organisation("long-name")
            body = reg.organisation("long-cert", kind="certifier")
            number = reg.certificate(
                holder, body, product_en="Portland cement P.O 42.5R in 50 kg paper bags"
            ).number
            session.commit()
        _root, text = parse(anonymous.get(f"/badge/{number}.svg").text)
        assert "Portland cement P.O 42.5R…" in text and "paper bags" not in text


class TestBadgeFrame:
    def test_framable_with_the_badge_and_a_link(self, anonymous: TestClient, made: Made) -> None:
        response = anonymous.get(f"/badge/{made.valid}")
        assert response.status_code == 200
        assert "x-frame-options" not in response.headers
        assert "frame-ancestors" not in response.headers.get("content-security-policy", "")
        assert f'src="/badge/{made.valid}.svg?lang=en"' in response.text
        assert f'href="/registry/{made.valid}"' in response.text
        assert response.headers["cache-control"] == "public, max-age=300"
        assert_nothing_private(response.text, made)

    def test_unknown_number(self, anonymous: TestClient) -> None:
        assert anonymous.get("/badge/CFP-NO-SUCH").status_code == 404
