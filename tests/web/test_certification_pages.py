"""Certification through the pages and the API, with the demo people: an enterprise applies,
the certification body works its inbox step by step, the decider issues the certificate,
then surveillance, suspension, reinstatement and withdrawal; 403 and 404 where they belong."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tanji.accounts import service as accounts
from tanji.accounts.models import User
from tanji.demo import certifiable_cement
from tanji.footprints import studies
from tanji.labels.models import Application, Certificate
from tests.web.conftest import post_form

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "portland-cement.yaml"
PDF = b"%PDF-1.4\n% energy bills\n%%EOF\n"
Login = Callable[[str], TestClient]


def calculation_of(web_app: FastAPI, *, certifiable: bool = True) -> uuid.UUID:
    """A fresh study of demo-cement, calculated (passing its rule check or not)."""
    with web_app.state.sessions() as session:
        user = session.scalar(select(User).where(User.username == "carbon@cement.demo"))
        actor = accounts.actor_for_user(session, user)
        product = studies.create_product(
            session,
            actor=actor,
            code=f"CERT-{uuid.uuid4().hex[:8]}",
            name_zh="认证测试水泥",
            name_en="Certification test cement",
            category="cement",
        )
        study = studies.create_study_from_upload(
            session,
            actor=actor,
            product_id=product.id,
            filename=EXAMPLE.name,
            content=EXAMPLE.read_bytes(),
        )
        if certifiable:
            model = certifiable_cement(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
            studies.save_version(session, actor=actor, study_id=study.id, model=model)
        calculation = studies.calculate(session, actor=actor, study_id=study.id, iterations=0)
        assert calculation.submittable is certifiable
        session.commit()
        return calculation.id


def demo_certifier_slug() -> str:
    return "demo-certifier"


def apply_through_the_page(browser: TestClient, calculation_id: uuid.UUID) -> str:
    """Apply with one document; the id of the new application."""
    response = browser.post(
        f"/certification/apply/{calculation_id}",
        data={
            "csrf_token": browser.cookies["tanji_csrf"],
            "certifier": demo_certifier_slug(),
            "label_kind": "footprint-value",
            "reason": "Please certify our P·O 42.5.",
        },
        files=[("documents", ("energy-bills.pdf", PDF, "application/pdf"))],
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text[:500]
    match = re.match(
        r"/certification/applications/([0-9a-f-]{36})\?done=apply", response.headers["location"]
    )
    assert match, response.headers["location"]
    return match.group(1)


def step(browser: TestClient, url: str, data: dict[str, str] | None = None, **kwargs):
    return post_form(browser, url, data or {}, follow_redirects=False, **kwargs)


class TestTheWholeFlow:
    def test_apply_verify_decide_surveil_suspend_reinstate_withdraw(
        self, web_app: FastAPI, login: Login, make_client: Callable[[], TestClient]
    ) -> None:
        calculation_id = calculation_of(web_app)
        enterprise = login("carbon@cement.demo")
        result = enterprise.get(f"/calculations/{calculation_id}")
        assert f'href="/certification/apply/{calculation_id}"' in result.text
        form = enterprise.get(f"/certification/apply/{calculation_id}")
        assert form.status_code == 200 and 'id="apply-form"' in form.text
        assert 'name="csrf_token"' in form.text
        app_id = apply_through_the_page(enterprise, calculation_id)
        page = enterprise.get(f"/certification/applications/{app_id}")
        assert "Your application was sent" not in page.text  # no notice without ?done
        assert 'data-status="applied"' in page.text and "energy-bills.pdf" in page.text
        assert 'id="step-withdraw-application"' in page.text  # the applicant may withdraw
        assert 'id="step-accept"' not in page.text

        verifier = login("verifier@cert.demo")
        inbox = verifier.get("/certification")
        assert inbox.status_code == 200 and f"/certification/applications/{app_id}" in inbox.text
        view = verifier.get(f"/certification/applications/{app_id}")
        assert 'id="step-accept"' in view.text and 'id="step-decide"' not in view.text
        base = f"/certification/applications/{app_id}"
        assert step(verifier, f"{base}/accept", {"reason": "Complete."}).status_code == 303
        # a refused step comes back with the problem next to its field
        refused = step(
            verifier, f"{base}/plan", {"plan": "One day on site.", "inspection_on": "2026-03-09"}
        )
        assert refused.status_code == 422
        assert 'id="e-verifier"' in refused.text and "Assign a verifier." in refused.text
        assert "One day on site." in refused.text  # what was typed stays
        done = step(
            verifier,
            f"{base}/plan",
            {
                "plan": "One day on site.",
                "verifier": "verifier@cert.demo",
                "review_on": "2026-03-02",
                "inspection_on": "2026-03-09",
            },
        )
        assert done.status_code == 303 and done.headers["location"].endswith("?done=plan#timeline")
        assert (
            step(
                verifier, f"{base}/review", {"findings": "Bills complete\nMeters listed"}
            ).status_code
            == 303
        )
        inspected = verifier.post(
            f"{base}/inspect",
            data={
                "csrf_token": verifier.cookies["tanji_csrf"],
                "inspected_on": "2026-01-10",
                "record": "Kiln and mill seen.",
                "findings": "",
            },
            files=[("attachments", ("site-photo.png", b"\x89PNG\r\n\x1a\nrest", "image/png"))],
            follow_redirects=False,
        )
        assert inspected.status_code == 303, inspected.text[:400]
        view = verifier.get(base)
        assert 'name="sample_verdict"' in view.text and "clinker-production/kiln-coal" in view.text
        verified = step(
            verifier,
            f"{base}/verify",
            {
                "sample_key": ["clinker-production/kiln-coal", "cement-grinding/clinker"],
                "sample_verdict": ["ok", ""],
                "sample_note": ["Fuel log", ""],
                "findings": "No material discrepancy.",
            },
        )
        assert verified.status_code == 303, verified.text[:400]
        view = verifier.get(base)
        assert 'id="rerun-match"' in view.text and 'id="stored-total"' in view.text
        assert "Fuel log" in view.text
        assert step(verifier, f"{base}/decide", {"decision": "approve"}).status_code == 403

        decider = login("admin@cert.demo")
        view = decider.get(base)
        assert 'id="step-decide"' in view.text and 'value="approve"' in view.text
        approved = step(decider, f"{base}/decide", {"decision": "approve", "reason": "Verified."})
        assert approved.status_code == 303, approved.text[:400]
        view = enterprise.get(base)
        assert 'data-status="certified"' in view.text
        number = re.search(r"TJCFP-\d{4}-\d{6}", view.text)
        assert number is not None
        for link in (
            f"/labels/{number.group(0)}.svg",
            f"/labels/{number.group(0)}.png",
            f"/registry/{number.group(0)}",
        ):
            assert link in view.text
        assert "site-photo.png" in view.text

        with web_app.state.sessions() as session:
            certificate_id = session.scalar(
                select(Certificate.id).where(Certificate.number == number.group(0))
            )
        cert = f"/certification/certificates/{certificate_id}"
        assert step(enterprise, f"{cert}/suspend", {"reason": "x"}).status_code == 403
        assert step(verifier, f"{cert}/suspend", {"reason": "x"}).status_code == 403
        assert step(decider, f"{cert}/surveil", {"result": "ok"}).status_code == 303
        refused = step(decider, f"{cert}/suspend", {"reason": ""})
        assert refused.status_code == 422 and "Give a reason for this step." in refused.text
        assert step(decider, f"{cert}/suspend", {"reason": "Meter fault."}).status_code == 303
        assert 'data-status="suspended"' in decider.get(base).text
        assert step(decider, f"{cert}/reinstate", {"reason": "Fixed."}).status_code == 303
        assert step(decider, f"{cert}/withdraw", {"reason": "Misuse."}).status_code == 303
        again = step(decider, f"{cert}/reinstate", {"reason": "Undo?"})
        assert again.status_code == 409 and "is withdrawn" in again.text
        history = decider.get(base).text
        order = [
            history.index(f'data-action="{a}"')
            for a in ("apply", "decide", "issue", "surveil", "suspend", "reinstate", "withdraw")
        ]
        assert order == sorted(order)
        public = make_client().get(f"/registry/{number.group(0)}")  # anyone, no login
        assert public.status_code == 200 and "withdrawn" in public.text.lower()

    def test_the_applicant_may_withdraw(self, web_app: FastAPI, login: Login) -> None:
        enterprise = login("admin@cement.demo")
        app_id = apply_through_the_page(enterprise, calculation_of(web_app))
        base = f"/certification/applications/{app_id}"
        assert step(enterprise, f"{base}/withdraw", {"reason": ""}).status_code == 422
        assert step(enterprise, f"{base}/withdraw", {"reason": "Later."}).status_code == 303
        assert 'data-status="withdrawn"' in enterprise.get(base).text


class TestApplying:
    def test_a_calculation_with_rule_errors_shows_why_it_cannot_apply(
        self, web_app: FastAPI, login: Login
    ) -> None:
        calculation_id = calculation_of(web_app, certifiable=False)
        enterprise = login("carbon@cement.demo")
        result = enterprise.get(f"/calculations/{calculation_id}")
        assert 'id="not-submittable-note"' in result.text
        assert "/certification/apply/" not in result.text
        form = enterprise.get(f"/certification/apply/{calculation_id}")
        assert 'id="not-submittable"' in form.text and 'id="apply-form"' not in form.text
        refused = enterprise.post(
            f"/certification/apply/{calculation_id}",
            data={"csrf_token": enterprise.cookies["tanji_csrf"], "certifier": "demo-certifier"},
        )
        assert refused.status_code == 422 and "found 3 errors" in refused.text

    def test_a_wrong_document_is_shown_next_to_the_upload(
        self, web_app: FastAPI, login: Login
    ) -> None:
        calculation_id = calculation_of(web_app)
        enterprise = login("carbon@cement.demo")
        refused = enterprise.post(
            f"/certification/apply/{calculation_id}",
            data={"csrf_token": enterprise.cookies["tanji_csrf"], "certifier": "demo-certifier"},
            files=[("documents", ("virus.exe", b"MZ", "application/octet-stream"))],
        )
        assert refused.status_code == 422
        assert 'id="e-documents"' in refused.text and "not a document type" in refused.text
        refused = enterprise.post(
            f"/certification/apply/{calculation_id}",
            data={"csrf_token": enterprise.cookies["tanji_csrf"], "certifier": "demo-bank"},
        )
        assert refused.status_code == 422 and 'id="e-certifier"' in refused.text

    def test_no_csrf_token_no_application(self, web_app: FastAPI, login: Login) -> None:
        calculation_id = calculation_of(web_app)
        enterprise = login("carbon@cement.demo")
        response = enterprise.post(
            f"/certification/apply/{calculation_id}", data={"certifier": "demo-certifier"}
        )
        assert response.status_code == 403
        with web_app.state.sessions() as session:
            assert (
                session.scalar(
                    select(Application.id).where(Application.calculation_id == calculation_id)
                )
                is None
            )

    def test_the_viewer_and_other_kinds_cannot_apply(self, web_app: FastAPI, login: Login) -> None:
        calculation_id = calculation_of(web_app)
        for username in ("viewer@cement.demo", "verifier@cert.demo", "officer@gov.demo"):
            browser = login(username)
            assert browser.get(f"/certification/apply/{calculation_id}").status_code == 403
        rival = login("carbon@aluminium.demo")
        assert rival.get(f"/certification/apply/{calculation_id}").status_code == 404


class TestTheDemo:
    def test_the_demo_certificate_and_its_verification(self, login: Login) -> None:
        decider = login("admin@cert.demo")
        inbox = decider.get("/certification")
        assert inbox.status_code == 200 and "TJCFP-" in inbox.text
        link = re.search(r"/certification/applications/([0-9a-f-]{36})#certificate", inbox.text)
        assert link is not None
        view = decider.get(f"/certification/applications/{link.group(1)}")
        assert 'id="rerun-match"' in view.text and 'id="certificate"' in view.text
        report = decider.get(f"/certification/applications/{link.group(1)}/report.pdf?lang=en")
        assert report.status_code == 200 and report.content[:5] == b"%PDF-"
        enterprise = login("carbon@cement.demo")
        assert "TJCFP-" in enterprise.get("/certification").text

    def test_the_nav_link_is_for_the_certification_roles(self, login: Login) -> None:
        for username, shown in (
            ("carbon@cement.demo", True),
            ("verifier@cert.demo", True),
            ("admin@cert.demo", True),
            ("viewer@cement.demo", False),
            ("officer@gov.demo", False),
            ("admin@tanji.demo", False),
        ):
            page = login(username).get("/")
            assert ('href="/certification"' in page.text) is shown, username


class TestWhoSeesWhat:
    def test_attachments_only_for_the_two_organisations(
        self, web_app: FastAPI, login: Login
    ) -> None:
        enterprise = login("carbon@cement.demo")
        app_id = apply_through_the_page(enterprise, calculation_of(web_app))
        with web_app.state.sessions() as session:
            from tanji.labels.models import Attachment

            attachment_id = session.scalar(
                select(Attachment.id).where(Attachment.application_id == uuid.UUID(app_id))
            )
        url = f"/certification/applications/{app_id}/attachments/{attachment_id}"
        for username in ("carbon@cement.demo", "verifier@cert.demo", "admin@cert.demo"):
            response = login(username).get(url)
            assert response.status_code == 200, username
            assert response.content == PDF
            assert response.headers["content-type"] == "application/pdf"
            assert response.headers["content-disposition"].startswith("attachment;")
        for username in ("carbon@aluminium.demo", "officer@gov.demo", "admin@tanji.demo"):
            browser = login(username)
            assert browser.get(url).status_code == 404, username
            assert browser.get(f"/certification/applications/{app_id}").status_code == 404
            assert (
                browser.get(f"/certification/applications/{app_id}/report.html").status_code == 404
            )
        assert login("carbon@aluminium.demo").get("/certification").status_code == 200

    def test_steps_are_refused_to_the_wrong_side(self, web_app: FastAPI, login: Login) -> None:
        enterprise = login("carbon@cement.demo")
        app_id = apply_through_the_page(enterprise, calculation_of(web_app))
        base = f"/certification/applications/{app_id}"
        assert step(enterprise, f"{base}/accept").status_code == 403
        assert (
            step(login("verifier@cert.demo"), f"{base}/withdraw", {"reason": "x"}).status_code
            == 403
        )
        assert (
            step(login("carbon@aluminium.demo"), f"{base}/withdraw", {"reason": "x"}).status_code
            == 404
        )
        out_of_order = step(login("verifier@cert.demo"), f"{base}/verify")
        assert out_of_order.status_code == 409 and "is applied" in out_of_order.text

    def test_the_verifier_reads_the_report_but_not_other_studies(
        self, web_app: FastAPI, login: Login
    ) -> None:
        enterprise = login("carbon@cement.demo")
        app_id = apply_through_the_page(enterprise, calculation_of(web_app))
        verifier = login("verifier@cert.demo")
        report = verifier.get(f"/certification/applications/{app_id}/report.html?lang=en")
        assert report.status_code == 200 and "Goal and scope" in report.text
        listing = verifier.get("/studies")  # only the studies it was asked to certify
        assert listing.status_code == 200
        assert "Lüliang" not in listing.text and "aluminium" not in listing.text.lower()


class TestApi:
    def test_apply_and_walk_through_the_api(
        self, web_app: FastAPI, client: TestClient, bearer, login: Login
    ) -> None:
        calculation_id = calculation_of(web_app)
        headers = bearer("demo-cement-api", "demo-cement-secret")
        with web_app.state.sessions() as session:
            from tanji.footprints.models import Calculation

            study_id = session.get(Calculation, calculation_id).study_id
        created = client.post(
            "/api/v1/certification/applications",
            headers=headers,
            json={
                "study_id": str(study_id),
                "calculation_id": str(calculation_id),
                "certifier": "demo-certifier",
                "documents": [
                    {
                        "filename": "bills.txt",
                        "content_type": "text/plain",
                        "content_base64": "YmlsbHM=",
                    }
                ],
            },
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["status"] == "applied" and body["next_steps"] == ["withdraw-application"]
        assert [a["filename"] for a in body["attachments"]] == ["bills.txt"]
        app_id = body["id"]
        mine = client.get("/api/v1/certification/applications", headers=headers).json()
        assert app_id in {a["id"] for a in mine}
        refused = client.post(
            f"/api/v1/certification/applications/{app_id}/accept", headers=headers, json={}
        )
        assert refused.status_code == 403
        again = client.post(
            "/api/v1/certification/applications",
            headers=headers,
            json={
                "study_id": str(study_id),
                "calculation_id": str(calculation_id),
                "certifier": "demo-certifier",
            },
        )
        assert again.status_code == 409
        bad = client.post(
            "/api/v1/certification/applications",
            headers=headers,
            json={
                "study_id": str(study_id),
                "calculation_id": str(calculation_id),
                "certifier": "demo-certifier",
                "documents": [
                    {"filename": "a.txt", "content_type": "text/plain", "content_base64": "@@"}
                ],
            },
        )
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["documents", 0, "content_base64"]
        events = client.get(f"/api/v1/certification/applications/{app_id}/events", headers=headers)
        assert [e["action"] for e in events.json()] == ["apply"]
        withdrawn = client.post(
            f"/api/v1/certification/applications/{app_id}/withdraw",
            headers=headers,
            json={"reason": "Changed our mind."},
        )
        assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
        missing = client.get(f"/api/v1/certification/applications/{uuid.uuid4()}", headers=headers)
        assert missing.status_code == 404

    def test_certificates_for_holder_and_issuer(self, client: TestClient, bearer) -> None:
        headers = bearer("demo-cement-api", "demo-cement-secret")
        listed = client.get("/api/v1/certification/certificates", headers=headers)
        assert listed.status_code == 200
        numbers = [c["number"] for c in listed.json()]
        assert any(n.startswith("TJCFP-") for n in numbers)
        first = listed.json()[-1]
        one = client.get(f"/api/v1/certification/certificates/{first['id']}", headers=headers)
        assert one.status_code == 200 and one.json()["effective_status"] in (
            "valid",
            "suspended",
            "withdrawn",
            "expired",
        )
        refused = client.post(
            f"/api/v1/certification/certificates/{first['id']}/suspend",
            headers=headers,
            json={"reason": "x"},
        )
        assert refused.status_code == 403
