"""Factor database pages: search, dossier, contribute, import, review, releases, CSRF."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from tanji.factors.rows import COLUMNS
from tanji.settings import Settings
from tanji.web.app import create_app
from tests.web.conftest import post_form

SEED_RELEASE = "2026.1"
GRID = "cn-electricity-footprint-2024"


@pytest.fixture(scope="module")
def web_app(tmp_path_factory) -> Iterator[FastAPI]:
    """A platform of this module's own: its releases and reviews touch no other test."""
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("factor-pages"), demo=True))
    yield app
    app.state.engine.dispose()


def proposal(slug: str, value: str = "1.5", **changes) -> dict:
    data = {
        "slug": slug,
        "name_zh": "测试转炉钢",
        "name_en": "Test converter steel",
        "category": "metals",
        "unit": "t",
        "gas": ["CO2", "CH4", "N2O"],
        "amount": [value, "", ""],
        "origin": "fossil",
        "boundary": "cradle-to-gate",
        "geography": "CN",
        "year": "2024",
        "document": "Test steel association yearbook 2025",
        "table": "Table 7",
        "url": "https://example.org/steel",
        "license": "CC BY 4.0",
        "reliability": "2",
        "completeness": "2",
        "temporal": "1",
        "geographical": "1",
        "technological": "2",
        "notes": "Made by a test.",
    }
    data.update(changes)
    return data


def propose(browser, slug: str, value: str = "1.5", **changes):
    return post_form(
        browser, "/factors/new", proposal(slug, value, **changes), follow_redirects=False
    )


def decide(browser, slug: str, version: int, decision: str, reason: str = ""):
    return post_form(
        browser,
        f"/factors/{slug}/versions/{version}/review",
        {"decision": decision, "reason": reason},
        follow_redirects=False,
    )


def rows_of(html: str) -> list[str]:
    return re.findall(r"<tr>.*?</tr>", html, flags=re.S)


class TestSearch:
    def test_finds_seeded_factors_by_chinese_words(self, login) -> None:
        page = login("carbon@cement.demo").get("/factors", params={"q": "电力碳足迹"})
        assert page.status_code == 200
        assert GRID in page.text
        assert "ipcc-clinker-calcination" not in page.text

    def test_finds_seeded_factors_by_english_words(self, login) -> None:
        page = login("carbon@cement.demo").get("/factors", params={"q": "clinker calcination"})
        assert "ipcc-clinker-calcination" in page.text
        assert GRID not in page.text

    def test_shows_the_name_in_the_page_language(self, login) -> None:
        browser = login("carbon@cement.demo")
        browser.cookies.set("tanji_lang", "zh_CN")
        page = browser.get("/factors", params={"q": GRID})
        assert "全国电力平均碳足迹因子（2024）" in page.text

    def test_filters_combine_and_the_count_is_shown(self, login) -> None:
        page = login("carbon@cement.demo").get(
            "/factors", params={"category": "electricity", "year": "2024", "geography": "CN"}
        )
        assert GRID in page.text
        assert "cn-electricity-footprint-2023" not in page.text
        assert re.search(r"\d+ factors? found", page.text)

    def test_a_long_result_has_page_links(self, login) -> None:
        browser = login("carbon@cement.demo")
        first = browser.get("/factors")
        assert 'href="/factors?page=2"' in first.text
        second = browser.get("/factors?page=2")
        assert 'aria-current="page">2<' in second.text
        assert rows_of(first.text)[1] != rows_of(second.text)[1]

    def test_a_unit_that_does_not_exist_is_marked_at_its_field(self, login) -> None:
        page = login("carbon@cement.demo").get("/factors", params={"unit": "furlongs-ish"})
        assert page.status_code == 422
        assert 'aria-describedby="error-unit"' in page.text
        assert "Unknown unit" in page.text

    def test_export_of_the_current_search_as_csv_and_xlsx(self, login) -> None:
        browser = login("carbon@cement.demo")
        page = browser.get("/factors", params={"q": "电力碳足迹", "year": "2024"})
        assert "/factors/export?q=" in page.text
        exported = browser.get(
            "/factors/export", params={"q": "电力碳足迹", "year": "2024", "format": "csv"}
        )
        assert exported.headers["content-type"].startswith("text/csv")
        table = list(csv.DictReader(io.StringIO(exported.text)))
        assert GRID in [row["slug"] for row in table]
        assert {row["year"] for row in table} == {"2024"}
        workbook = browser.get("/factors/export", params={"q": "电力", "format": "xlsx"})
        assert workbook.content[:2] == b"PK"  # a zip: the xlsx container

    def test_viewers_search_published_factors_only(self, login) -> None:
        page = login("viewer@cement.demo").get("/factors", params={"status": "draft"})
        assert page.status_code == 403

    def test_anonymous_visitors_are_sent_to_log_in(self, client) -> None:
        for url in ("/factors", f"/factors/{GRID}", "/factors/releases", "/factors/new"):
            response = client.get(url, follow_redirects=False)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/login?next=")


class TestDetail:
    def test_shows_value_source_quality_and_releases(self, login) -> None:
        page = login("carbon@cement.demo").get(f"/factors/{GRID}")
        assert page.status_code == 200
        assert "0.5777" in page.text
        assert "Announcement on the 2024 electricity carbon footprint factors" in page.text
        assert 'href="https://www.mee.gov.cn/"' in page.text
        assert "Quality rating" in page.text
        assert f'href="/factors/releases/{SEED_RELEASE}"' in page.text

    def test_unknown_factor_and_version_are_404(self, login) -> None:
        browser = login("carbon@cement.demo")
        assert browser.get("/factors/no-such-factor").status_code == 404
        assert browser.get(f"/factors/{GRID}/versions/7").status_code == 404
        assert browser.get(f"/factors/{GRID}/versions/0").status_code == 422


class TestContribute:
    def test_submit_then_approve_publishes_the_factor(self, login) -> None:
        contributor, reviewer = login("contributor@tanji.demo"), login("reviewer@tanji.demo")
        sent = propose(contributor, "test-flow-steel", "1.85")
        assert sent.status_code == 303
        assert sent.headers["location"] == "/factors/test-flow-steel?done=submitted"
        page = contributor.get(sent.headers["location"])
        assert "The factor was sent to review." in page.text
        assert 'class="badge in-review"' in page.text
        assert "test-flow-steel" not in contributor.get("/factors?q=test-flow").text
        assert "test-flow-steel" in reviewer.get("/factors/review").text

        approved = decide(reviewer, "test-flow-steel", 1, "approve")
        assert approved.status_code == 303
        assert "approved and published" in reviewer.get(approved.headers["location"]).text
        found = login("carbon@cement.demo").get("/factors", params={"q": "test converter steel"})
        assert "test-flow-steel" in found.text and "1.85" in found.text
        detail = contributor.get("/factors/test-flow-steel").text
        assert 'class="badge published"' in detail and "reviewer@tanji.demo" in detail

    def test_nobody_approves_their_own_submission(self, login) -> None:
        admin = login("admin@tanji.demo")  # may both submit and review
        assert propose(admin, "test-own-steel").status_code == 303
        refused = decide(admin, "test-own-steel", 1, "approve")
        assert refused.status_code == 403
        assert "own factor" in refused.text
        assert 'class="badge in-review"' in admin.get("/factors/test-own-steel").text

    def test_a_rejection_needs_a_reason(self, login) -> None:
        contributor, reviewer = login("contributor@tanji.demo"), login("reviewer@tanji.demo")
        assert propose(contributor, "test-rejected-steel").status_code == 303
        missing = decide(reviewer, "test-rejected-steel", 1, "reject")
        assert missing.status_code == 422
        assert 'id="error-test-rejected-steel"' in missing.text
        assert "Give a reason for the rejection." in missing.text
        done = decide(reviewer, "test-rejected-steel", 1, "reject", "Table 7 shows 1.95, not 1.5")
        assert done.status_code == 303
        page = contributor.get("/factors/test-rejected-steel").text
        assert 'class="badge rejected"' in page and "Table 7 shows 1.95, not 1.5" in page

    def test_a_bad_value_is_shown_next_to_its_field(self, login) -> None:
        contributor = login("contributor@tanji.demo")
        response = propose(contributor, "test-bad-unit", unit="tonnes-ish")
        assert response.status_code == 422
        field = re.search(r'<input name="unit"[^>]*>', response.text).group(0)
        assert 'aria-invalid="true"' in field and 'value="tonnes-ish"' in field
        assert re.search(r'id="error-unit"[^>]*>[^<]*tonnes-ish', response.text)
        gas = propose(contributor, "test-bad-gas", gas=["XX9", "", ""])
        assert gas.status_code == 422 and 'id="error-composition"' in gas.text
        assert contributor.get("/factors/test-bad-unit").status_code == 404

    def test_a_new_version_waits_for_the_open_review_and_must_change_something(self, login) -> None:
        contributor = login("contributor@tanji.demo")
        assert propose(contributor, "test-waiting-steel", "1.5").status_code == 303
        waiting = propose(contributor, "test-waiting-steel", "1.6")
        assert waiting.status_code == 409 and "is waiting for review" in waiting.text
        decide(login("reviewer@tanji.demo"), "test-waiting-steel", 1, "approve")
        same = propose(contributor, "test-waiting-steel", "1.5")
        assert same.status_code == 422 and 'id="error-slug"' in same.text
        assert "Nothing changed from v1" in same.text
        assert propose(contributor, "test-waiting-steel", "1.6").status_code == 303
        page = contributor.get("/factors/test-waiting-steel/versions/2").text
        assert 'class="badge in-review"' in page

    def test_new_version_form_is_prefilled_from_the_current_version(self, login) -> None:
        page = login("contributor@tanji.demo").get(f"/factors/{GRID}/new-version")
        assert page.status_code == 200
        assert re.search(rf'<input name="slug" value="{GRID}"[^>]*readonly', page.text)
        assert 'value="0.5777"' in page.text and 'value="CO2e"' in page.text
        assert "Announcement on the 2024 electricity carbon footprint factors" in page.text

    @pytest.mark.parametrize(
        "url",
        ["/factors/new", "/factors/import", "/factors/review", f"/factors/{GRID}/new-version"],
    )
    def test_an_enterprise_manager_may_not_contribute_or_review(self, login, url) -> None:
        assert login("carbon@cement.demo").get(url).status_code == 403

    def test_an_enterprise_manager_may_not_post_either(self, login) -> None:
        manager = login("carbon@cement.demo")
        assert propose(manager, "test-manager-steel").status_code == 403
        assert decide(manager, GRID, 1, "approve").status_code == 403
        assert post_form(manager, "/factors/releases", {"name": "x.1"}).status_code == 403
        withdraw = post_form(manager, f"/factors/{GRID}/withdraw", {"reason": "no"})
        assert withdraw.status_code == 403

    def test_a_reviewer_withdraws_with_a_reason(self, login) -> None:
        contributor, reviewer = login("contributor@tanji.demo"), login("reviewer@tanji.demo")
        propose(contributor, "test-withdrawn-steel")
        decide(reviewer, "test-withdrawn-steel", 1, "approve")
        url = "/factors/test-withdrawn-steel/withdraw"
        missing = post_form(reviewer, url, {"reason": " "})
        assert missing.status_code == 422 and 'id="error-reason"' in missing.text
        done = post_form(reviewer, url, {"reason": "Source retracted"}, follow_redirects=False)
        assert done.status_code == 303
        page = reviewer.get("/factors/test-withdrawn-steel").text
        assert 'class="badge withdrawn"' in page and "Source retracted" in page


class TestImport:
    def upload(self, browser, text: str, name: str = "factors.csv"):
        return post_form(
            browser,
            "/factors/import",
            files={"file": (name, text.encode("utf-8"), "text/csv")},
            follow_redirects=False,
        )

    def table(self, *rows: dict) -> str:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS))
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
        return buffer.getvalue()

    def row(self, slug: str, **changes) -> dict:
        base = {
            "slug": slug,
            "name_en": f"{slug} imported",
            "category": "chemicals",
            "unit": "kg",
            "composition": "CO2=1.2",
            "document": "Imported handbook 2024",
        }
        return {**base, **changes}

    def test_a_bad_row_is_shown_with_its_row_and_column_and_nothing_is_imported(
        self, login
    ) -> None:
        contributor = login("contributor@tanji.demo")
        text = self.table(self.row("test-import-good"), self.row("test-import-bad", unit="kgg"))
        response = self.upload(contributor, text)
        assert response.status_code == 422
        problem = re.search(
            r"<tr><td class=\"num\">(\d+)</td><td class=\"mono\">(\w+)</td>", response.text
        )
        assert problem is not None and problem.groups() == ("3", "unit")
        assert "Nothing was imported" in response.text
        assert contributor.get("/factors/test-import-good").status_code == 404

    def test_a_good_file_sends_every_factor_to_review(self, login) -> None:
        contributor = login("contributor@tanji.demo")
        text = self.table(self.row("test-import-one"), self.row("test-import-two"))
        response = self.upload(contributor, text)
        assert response.status_code == 303
        listed = contributor.get(response.headers["location"]).text
        assert "test-import-one" in listed and "test-import-two" in listed
        assert "waiting for review" in listed
        assert "test-import-one" in login("reviewer@tanji.demo").get("/factors/review").text

    def test_an_unknown_file_type_is_explained(self, login) -> None:
        response = self.upload(login("contributor@tanji.demo"), "x", name="factors.txt")
        assert response.status_code == 422 and "Unknown file type" in response.text

    def test_the_template_has_the_import_columns(self, login) -> None:
        browser = login("contributor@tanji.demo")
        assert 'href="/factors/template.csv"' in browser.get("/factors/import").text
        template = browser.get("/factors/template.csv")
        assert template.text.splitlines()[0].split(",") == list(COLUMNS)


class TestReleases:
    def test_create_a_release_refuse_a_copy_and_compare(self, login) -> None:
        contributor, reviewer = login("contributor@tanji.demo"), login("reviewer@tanji.demo")
        propose(contributor, "test-release-new", "2.0")
        decide(reviewer, "test-release-new", 1, "approve")
        form = contributor.get("/factors/cn-electricity-footprint-pv-2023/new-version").text
        assert 'value="0.0545"' in form
        pv = proposal(
            "cn-electricity-footprint-pv-2023",
            category="electricity",
            unit="kWh",
            gas=["CO2e", "", ""],
            amount=["0.06", "", ""],
        )
        assert post_form(contributor, "/factors/new", pv, follow_redirects=False).status_code == 303
        decide(reviewer, "cn-electricity-footprint-pv-2023", 2, "approve")

        made = post_form(
            reviewer,
            "/factors/releases",
            {"name": "2026.9", "notes": "Test"},
            follow_redirects=False,
        )
        assert made.status_code == 303
        assert made.headers["location"] == "/factors/releases/2026.9?done=released"
        listing = reviewer.get("/factors/releases").text
        assert 'href="/factors/releases/2026.9"' in listing

        again = post_form(reviewer, "/factors/releases", {"name": "2026.10"})
        assert again.status_code == 409
        assert "Nothing was published or withdrawn since release 2026.9" in again.text

        diff = reviewer.get("/factors/releases/diff", params={"old": SEED_RELEASE, "new": "2026.9"})
        assert diff.status_code == 200
        assert "test-release-new" in diff.text
        changed = re.search(r'<tr class="diff-chg">.*?</tr>', diff.text, flags=re.S).group(0)
        assert "cn-electricity-footprint-pv-2023" in changed and "+10.1%" in changed

        frozen = reviewer.get("/factors", params={"release": "2026.9", "q": "test-release"})
        assert "test-release-new" in frozen.text
        before = reviewer.get("/factors", params={"release": SEED_RELEASE, "q": "test-release"})
        assert "test-release-new" not in before.text

    def test_a_release_name_is_checked_at_its_field(self, login) -> None:
        response = post_form(login("reviewer@tanji.demo"), "/factors/releases", {"name": " "})
        assert response.status_code == 422 and 'id="error-name"' in response.text

    def test_a_release_lists_its_factors_a_page_at_a_time(self, login) -> None:
        browser = login("carbon@cement.demo")
        page = browser.get(f"/factors/releases/{SEED_RELEASE}")
        assert f'href="/factors/releases/{SEED_RELEASE}?page=2"' in page.text
        assert "Create a release" not in browser.get("/factors/releases").text

    def test_diff_of_an_unknown_release_is_404(self, login) -> None:
        browser = login("carbon@cement.demo")
        response = browser.get(
            "/factors/releases/diff", params={"old": "nope", "new": SEED_RELEASE}
        )
        assert response.status_code == 404


class TestCsrf:
    @pytest.mark.parametrize(
        "url",
        [
            "/factors/new",
            "/factors/import",
            f"/factors/{GRID}/versions/1/review",
            f"/factors/{GRID}/withdraw",
            "/factors/releases",
        ],
    )
    def test_every_form_refuses_a_post_without_the_token(self, login, url) -> None:
        admin = login("admin@tanji.demo")
        response = admin.post(url, data={"decision": "approve", "reason": "x", "name": "z.1"})
        assert response.status_code == 403
        assert "csrf_token" in response.text
        assert 'class="badge published"' in admin.get(f"/factors/{GRID}").text

    def test_every_form_carries_the_token(self, login) -> None:
        admin = login("admin@tanji.demo")
        propose(login("contributor@tanji.demo"), "test-csrf-steel")
        token = admin.cookies["tanji_csrf"]
        for url in (
            "/factors/new",
            "/factors/import",
            "/factors/review",
            "/factors/releases",
            f"/factors/{GRID}",
        ):
            html = admin.get(url).text
            forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
            assert forms, url
            for form in forms:
                assert f'name="csrf_token" value="{token}"' in form, url
