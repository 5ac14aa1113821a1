"""Label verification on the web: the JWK Set, the scan page's verdicts, the API check and
the label downloads (holder and certification body only)."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tanji.accounts import service as accounts
from tanji.labels import signing
from tanji.labels.models import Certificate, CertificateStatus, LabelCheck
from tests.labels.certificates import certificate

ISSUER = "http://testserver"
Made = tuple[str, str]  # certificate number, label token


@pytest.fixture
def make(web_app: FastAPI) -> Callable[..., Made]:
    """A certificate of demo-cement (or ``holder``), certified by demo-certifier."""

    def do(holder: str = "demo-cement", **kwargs) -> Made:
        with web_app.state.sessions() as session:
            made = certificate(
                session,
                holder=accounts.get_organisation(session, slug=holder),
                certifier=accounts.get_organisation(session, slug="demo-certifier"),
                **kwargs,
            )
            token = signing.issue_label_token(session, certificate=made, issuer=ISSUER)
            session.commit()
            return made.number, token

    return do


def set_status(web_app: FastAPI, number: str, status: str, reason: str = "") -> None:
    with web_app.state.sessions() as session:
        found = session.scalars(select(Certificate).where(Certificate.number == number)).one()
        found.status, found.status_reason = status, reason
        session.commit()


def last_check(web_app: FastAPI) -> LabelCheck:
    with web_app.state.sessions() as session:
        return session.scalars(
            select(LabelCheck).order_by(LabelCheck.created_at.desc()).limit(1)
        ).one()


def forge(token: str) -> str:
    header, payload, _signature = token.split(".")
    kid = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return signing.sign_claims(claims, kid=kid, private_key=Ed25519PrivateKey.generate())


class TestJwks:
    def test_the_key_set_is_public_and_cacheable(self, client: TestClient, make) -> None:
        _number, token = make()
        response = client.get("/.well-known/jwks.json")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/jwk-set+json")
        assert "public" in response.headers["cache-control"]
        keys = response.json()["keys"]
        kid = signing.decode_unverified(token)[0]["kid"]
        assert any(k["kid"] == kid and k["kty"] == "OKP" and "d" not in k for k in keys)
        assert signing.verify_token(token, keys=response.json()).ok


class TestScanPage:
    def test_a_genuine_label(self, client: TestClient, make, web_app: FastAPI) -> None:
        number, token = make(value=650.3123)
        response = client.get(f"/v/{token}")
        assert response.status_code == 200
        text = response.text
        assert "Genuine and valid" in text and "verify-genuine" in text
        assert number in text and "650.3" in text and f'href="/registry/{number}"' in text
        assert response.headers["cache-control"] == "no-store"
        check = last_check(web_app)
        assert (check.certificate_number, check.outcome, check.channel) == (number, "valid", "web")

    @pytest.mark.parametrize(
        ("status", "headline"),
        [(CertificateStatus.SUSPENDED, "Suspended"), (CertificateStatus.WITHDRAWN, "Withdrawn")],
    )
    def test_a_revoked_certificate(
        self, client: TestClient, make, web_app: FastAPI, status: str, headline: str
    ) -> None:
        number, token = make()
        set_status(web_app, number, status, "kiln data not reported")
        text = client.get(f"/v/{token}").text
        assert f"<h1>{headline}</h1>" in text and "kiln data not reported" in text
        assert "Genuine and valid" not in text

    def test_an_expired_certificate(self, client: TestClient, make, web_app: FastAPI) -> None:
        number, token = make()
        set_status(web_app, number, CertificateStatus.EXPIRED)
        assert "<h1>Expired</h1>" in client.get(f"/v/{token}").text

    def test_a_forged_label(self, client: TestClient, make, web_app: FastAPI) -> None:
        number, token = make()
        text = client.get(f"/v/{forge(token)}").text
        assert "Not genuine: forged or altered" in text and "verify-forged" in text
        assert f"/registry/{number}" not in text  # a forger's claims are not shown
        assert last_check(web_app).outcome == "bad-signature"

    def test_an_unreadable_code(self, client: TestClient) -> None:
        response = client.get("/v/not-a-token")
        assert response.status_code == 200 and "Unreadable label code" in response.text

    def test_a_label_on_another_product(self, client: TestClient, make, web_app) -> None:
        _number, token = make()
        text = client.get(f"/v/{token}", params={"product": "EAF steel rebar"}).text
        assert "Not this product&#39;s label" in text or "Not this product's label" in text
        check = last_check(web_app)
        assert (check.outcome, check.presented_for) == ("wrong-product", "EAF steel rebar")

    def test_a_replayed_old_label(self, client: TestClient, make, web_app: FastAPI) -> None:
        number, old = make()
        with web_app.state.sessions() as session:
            found = session.scalars(select(Certificate).where(Certificate.number == number)).one()
            signing.issue_label_token(session, certificate=found, issuer=ISSUER)
            session.commit()
        assert "Replaced by a newer label" in client.get(f"/v/{old}").text

    def test_in_chinese(self, client: TestClient, make) -> None:
        _number, token = make()
        client.cookies.set("tanji_lang", "zh_CN")
        response = client.get(f"/v/{token}")
        assert response.status_code == 200 and '<html lang="zh-CN">' in response.text


class TestApi:
    def test_a_genuine_label(self, web_app: FastAPI, make) -> None:
        number, token = make()
        with TestClient(web_app) as anonymous:  # no cookie, no CSRF token, no login
            response = anonymous.post("/api/v1/labels/verify", json={"token": token})
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["ok"], body["reason"], body["checked_online"], body["registry_status"]) == (
            True,
            "valid",
            True,
            "valid",
        )
        assert body["claims"]["sub"] == number
        assert last_check(web_app).channel == "api"

    def test_the_url_of_the_qr_code_works_too(self, client: TestClient, make) -> None:
        _number, token = make()
        body = client.post(
            "/api/v1/labels/verify", json={"token": f"{ISSUER}/v/{token}", "product": "nope"}
        ).json()
        assert body["reason"] == "wrong-product"

    def test_refusals_carry_the_reason(self, client: TestClient, make, web_app: FastAPI) -> None:
        number, token = make()
        assert client.post("/api/v1/labels/verify", json={"token": forge(token)}).json()[
            "reason"
        ] == ("bad-signature")
        set_status(web_app, number, CertificateStatus.WITHDRAWN, "fraud")
        body = client.post("/api/v1/labels/verify", json={"token": token}).json()
        assert (body["ok"], body["reason"], body["registry_status"]) == (
            False,
            "revoked",
            "withdrawn",
        )
        assert "fraud" in body["message"]

    def test_a_missing_token_is_invalid_input(self, client: TestClient) -> None:
        response = client.post("/api/v1/labels/verify", json={})
        assert response.status_code == 422


class TestDownloads:
    def test_the_holder_gets_svg_and_png(self, login, make) -> None:
        number, _token = make()
        browser = login("viewer@cement.demo")
        svg = browser.get(f"/labels/{number}.svg", params={"lang": "en"})
        assert svg.status_code == 200, svg.text[:300]
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert f"label-{number}-en.svg" in svg.headers["content-disposition"]
        root = ElementTree.fromstring(svg.text)
        label_token = root.get("data-token")
        assert "Certificate No." in svg.text and number in svg.text
        png = browser.get(f"/labels/{number}.png", params={"lang": "zh_CN"})
        assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
        assert b"tanji-token" in png.content
        # the downloaded label is the current one: it verifies as genuine and valid
        assert "Genuine and valid" in browser.get(f"/v/{label_token}").text

    def test_the_certification_body_gets_it(self, login, make) -> None:
        number, _token = make()
        assert login("verifier@cert.demo").get(f"/labels/{number}.svg").status_code == 200

    @pytest.mark.parametrize(
        "username", ["carbon@aluminium.demo", "officer@gov.demo", "analyst@bank.demo"]
    )
    def test_others_get_404(self, login, make, username: str) -> None:
        number, _token = make()
        browser = login(username)
        assert browser.get(f"/labels/{number}.svg").status_code == 404
        assert browser.get(f"/labels/{number}.png").status_code == 404

    def test_another_enterprises_certificate_is_404_for_cement(self, login, make) -> None:
        number, _token = make(holder="demo-aluminium")
        assert login("carbon@cement.demo").get(f"/labels/{number}.svg").status_code == 404

    def test_anonymous_visitors_are_sent_to_log_in(self, client: TestClient, make) -> None:
        number, _token = make()
        response = client.get(f"/labels/{number}.svg", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")

    def test_no_label_for_a_suspended_certificate(self, login, make, web_app: FastAPI) -> None:
        number, _token = make()
        set_status(web_app, number, CertificateStatus.SUSPENDED, "audit")
        response = login("carbon@cement.demo").get(f"/labels/{number}.svg")
        assert response.status_code == 409 and "suspended" in response.text


class TestFacts:
    def test_days_match_the_certificate_dates(self) -> None:
        import datetime as dt

        from tanji.web.pages.verify import facts

        expiry_end = dt.datetime(2028, 11, 27, tzinfo=dt.UTC)  # first second after 26 Nov
        signed = dt.datetime(2026, 11, 25, 16, 30, tzinfo=dt.UTC)  # 26 Nov, 00:30 in Beijing
        shown = facts({"exp": int(expiry_end.timestamp()), "iat": int(signed.timestamp())})
        assert shown["valid_until"] == dt.date(2028, 11, 26)
        assert shown["signed_on"] == dt.date(2026, 11, 26)
