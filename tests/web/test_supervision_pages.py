"""The regulator's supervision pages: who may see them, the flags shown, the CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.labels.test_registry import Registry
from tests.web.conftest import DEMO_PASSWORD, post_form

OFFICER = "officer@gov.demo"


@dataclass(frozen=True)
class Made:
    tag: str
    category: str
    normal: tuple[str, ...]
    low: str
    altered: str
    misused: str


@pytest.fixture(scope="module")
def made(web_app: FastAPI) -> Made:
    """Six certificates of a category of this module's own: one far too low, one altered,
    and refused checks of a label presented for another product."""
    with web_app.state.sessions() as session:
        reg = Registry(session)
        category = f"sv-cement-{reg.tag}"
        holder = reg.organisation("sv-cement", city="阳泉")
        body = reg.organisation("sv-cert", kind="certifier")
        normal = [
            reg.certificate(holder, body, category=category, value=value)
            for value in (800.0, 815.0, 790.0, 805.0)
        ]
        low = reg.certificate(holder, body, category=category, value=310.0)
        altered = reg.certificate(holder, body, category=category, value=780.0, calculated=820.0)
        reg.check(normal[0].number, "wrong-product", presented_for="Knock-off cement 52.5")
        reg.check(normal[0].number, "wrong-product", presented_for="Knock-off cement 52.5")
        reg.check(normal[1].number, "valid")
        session.commit()
        return Made(
            reg.tag,
            category,
            tuple(c.number for c in normal),
            low.number,
            altered.number,
            normal[0].number,
        )


@pytest.fixture(scope="module")
def text(web_app: FastAPI, made: Made) -> str:
    """The dashboard as the officer sees it."""
    with TestClient(web_app, base_url="http://testserver") as browser:
        browser.cookies.set("tanji_lang", "en")
        response = post_form(
            browser,
            "/login",
            {"username": OFFICER, "password": DEMO_PASSWORD},
            follow_redirects=False,
        )
        assert response.status_code == 303
        page = browser.get("/supervision")
        assert page.status_code == 200
        return page.text


class TestWhoMaySee:
    def test_the_officer_sees_the_dashboard(self, login, made: Made) -> None:
        response = login(OFFICER).get("/supervision")
        assert response.status_code == 200
        assert "Supervision of carbon labels" in response.text
        assert 'href="/supervision" aria-current="page"' in response.text

    def test_an_enterprise_may_not(self, login, made: Made) -> None:
        browser = login("carbon@cement.demo")
        assert browser.get("/supervision").status_code == 403
        assert browser.get("/supervision/certificates.csv").status_code == 403
        assert 'href="/supervision"' not in browser.get("/").text

    def test_anonymous_is_sent_to_log_in(self, client: TestClient) -> None:
        for url in ("/supervision", "/supervision/certificates.csv"):
            response = client.get(url, follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/login")


class TestDashboard:
    @staticmethod
    def section(text: str, title: str) -> str:
        start = text.index(title)
        return text[start : text.index("</section>", start)]

    def test_the_low_footprint_is_flagged_with_the_rule(self, text: str, made: Made) -> None:
        low = self.section(text, "Footprints far below their category")
        assert f'href="/registry/{made.low}"' in low
        assert "below half the median" in low
        for number in made.normal:
            assert number not in low
        assert "among at least 5 certificates" in low and "Q1 − 1.5 × IQR" in low

    def test_the_altered_value_is_flagged(self, text: str, made: Made) -> None:
        altered = self.section(text, "Label values that differ from the certified calculation")
        assert f'href="/registry/{made.altered}"' in altered
        assert made.low not in altered and made.misused not in altered

    def test_refused_checks_grouped_by_certificate(self, text: str, made: Made) -> None:
        refused = self.section(text, "Refused label checks")
        assert f'href="/registry/{made.misused}"' in refused
        assert "presented for another product × 2" in refused
        assert "Knock-off cement 52.5" in refused
        assert made.normal[1] not in refused  # only a valid check

    def test_counts_and_charts(self, text: str, made: Made) -> None:
        assert f'href="/registry?category={made.category}"' in text
        assert "By city of the holder" in text and "阳泉" in text
        assert "By certification body" in text and f"Sv-Cert {made.tag}" in text
        assert '<svg class="sv-bar"' in text and '<svg class="sv-months"' in text


class TestExport:
    def test_the_officer_downloads_every_certificate(self, login, made: Made) -> None:
        response = login(OFFICER).get("/supervision/certificates.csv")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        rows = {
            row["number"]: row
            for row in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
        }
        assert rows[made.low]["flags"] == "low-value"
        assert rows[made.altered]["flags"] == "altered-value"
        assert rows[made.normal[0]]["flags"] == ""
        assert rows[made.low]["city"] == "阳泉"
