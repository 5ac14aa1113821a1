"""The report routes: HTML and PDF of a stored calculation, for those who may read it.

The web fixtures live in tests/web/conftest.py; they are imported here so that the report
tests stay in this folder (the demo cement study is calculated when the platform seeds).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.web import conftest as web

# The platform and its clients, from the web tests' fixtures (pytest finds them here).
web_app = web.web_app
client = web.client
make_client = web.make_client
login = web.login
bearer = web.bearer

MISSING = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def cement_calculation(client: TestClient, bearer: Callable[[str, str], dict[str, str]]) -> str:
    """The id of the demo cement study's latest calculation."""
    headers = bearer("demo-cement-api", "demo-cement-secret")
    studies = client.get("/api/v1/studies", headers=headers).json()
    assert studies, "the demo cement organisation has a study"
    study = studies[0]
    calculations = client.get(f"/api/v1/studies/{study['id']}/calculations", headers=headers)
    assert calculations.status_code == 200 and calculations.json(), calculations.text
    return calculations.json()[0]["id"]


class TestReportRoutes:
    def test_html_report_in_english(self, login, cement_calculation: str) -> None:
        browser = login("viewer@cement.demo")  # reading needs only study:read
        response = browser.get(f"/calculations/{cement_calculation}/report.html")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert '<html lang="en">' in response.text
        assert "<h2>1 Goal and scope</h2>" in response.text
        assert "晋中示范水泥有限公司" in response.text or "Jinzhong Demo Cement" in response.text

    def test_html_report_in_chinese_by_query(self, login, cement_calculation: str) -> None:
        browser = login("carbon@cement.demo")
        response = browser.get(f"/calculations/{cement_calculation}/report.html?lang=zh_CN")
        assert response.status_code == 200
        assert '<html lang="zh-CN">' in response.text

    def test_pdf_is_an_attachment_named_after_product_version_language(
        self, login, cement_calculation: str
    ) -> None:
        browser = login("carbon@cement.demo")
        response = browser.get(f"/calculations/{cement_calculation}/report.pdf?lang=en")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.content[:5] == b"%PDF-"
        disposition = response.headers["content-disposition"]
        assert disposition.startswith('attachment; filename="')
        assert "-v" in disposition and disposition.split('"')[1].endswith("-en.pdf")

    def test_other_organisations_get_404(self, login, cement_calculation: str) -> None:
        browser = login("carbon@aluminium.demo")
        for suffix in ("html", "pdf"):
            response = browser.get(f"/calculations/{cement_calculation}/report.{suffix}")
            assert response.status_code == 404

    def test_unknown_calculation_is_404(self, login) -> None:
        browser = login("carbon@cement.demo")
        assert browser.get(f"/calculations/{MISSING}/report.html").status_code == 404

    def test_anonymous_visitors_must_log_in(self, client: TestClient, cement_calculation) -> None:
        response = client.get(
            f"/calculations/{cement_calculation}/report.pdf", follow_redirects=False
        )
        assert response.status_code in (302, 303, 401)
        assert response.headers.get("content-type") != "application/pdf"
