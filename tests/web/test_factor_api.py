"""The factor database API: search, the picker, a factor's history, releases, submit, review."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from tanji.core.units import conversion_factor
from tanji.settings import Settings
from tanji.web.app import create_app

GRID = "cn-electricity-footprint-2024"
PICKER_FIELDS = {
    "slug",
    "version",
    "name_zh",
    "name_en",
    "unit",
    "dimension",
    "co2e",
    "geography",
    "year",
    "source",
    "status",
}


@pytest.fixture(scope="module")
def web_app(tmp_path_factory) -> Iterator[FastAPI]:
    """A platform of this module's own: its submissions touch no other test."""
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("factor-api"), demo=True))
    yield app
    app.state.engine.dispose()


@pytest.fixture
def erp(client, bearer):
    """The cement company's ERP client (a manager: it may read factors, nothing more)."""
    headers = bearer("demo-cement-api", "demo-cement-secret")
    return lambda method, url, **kw: client.request(method, url, headers=headers, **kw)


def as_person(login, username: str):
    """A logged-in browser calling the API with its cookie and the CSRF header."""
    browser = login(username)
    headers = {"X-CSRF-Token": browser.cookies["tanji_csrf"]}
    return lambda method, url, **kw: browser.request(method, url, headers=headers, **kw)


def body(slug: str, **changes) -> dict:
    data = {
        "slug": slug,
        "name_zh": "测试再生铝",
        "name_en": "Test secondary aluminium",
        "category": "metals",
        "unit": "t",
        "composition": {"CO2": 0.5, "CH4": 0.001},
        "geography": "CN",
        "year": 2024,
        "document": "Test aluminium association report 2025",
        "table": "Table 3",
        "reliability": 2,
        "completeness": 2,
        "temporal": 2,
        "geographical": 1,
        "technological": 2,
    }
    data.update(changes)
    return data


class TestSearch:
    def test_returns_the_total_and_a_page_of_items(self, erp) -> None:
        answer = erp("GET", "/api/v1/factors", params={"q": "电力碳足迹", "limit": 2})
        assert answer.status_code == 200
        data = answer.json()
        assert data["total"] > 2 and len(data["items"]) == 2 and data["limit"] == 2
        first = data["items"][0]
        assert first["status"] == "published" and first["source_document"]
        assert first["gases"][0]["gas"]

    def test_offset_moves_through_the_results(self, erp) -> None:
        first = erp("GET", "/api/v1/factors", params={"limit": 5}).json()["items"]
        second = erp("GET", "/api/v1/factors", params={"limit": 5, "offset": 5}).json()["items"]
        assert {f["slug"] for f in first}.isdisjoint({f["slug"] for f in second})

    def test_filters_by_english_words_category_and_year(self, erp) -> None:
        answer = erp(
            "GET",
            "/api/v1/factors",
            params={"q": "electricity footprint", "category": "electricity", "year": 2024},
        )
        slugs = [item["slug"] for item in answer.json()["items"]]
        assert GRID in slugs and "cn-electricity-footprint-2023" not in slugs

    def test_limit_is_capped_and_nonsense_is_422(self, erp) -> None:
        assert erp("GET", "/api/v1/factors", params={"limit": 201}).status_code == 422
        assert erp("GET", "/api/v1/factors", params={"year": "soon"}).status_code == 422
        assert erp("GET", "/api/v1/factors", params={"offset": 10**30}).status_code == 422
        assert erp("GET", "/api/v1/factors", params={"status": "lost"}).status_code == 422

    def test_unpublished_factors_are_for_contributors_and_reviewers(self, erp, login) -> None:
        assert erp("GET", "/api/v1/factors", params={"status": "draft"}).status_code == 403
        reviewer = as_person(login, "reviewer@tanji.demo")
        everything = reviewer("GET", "/api/v1/factors", params={"status": "all", "limit": 1})
        assert everything.status_code == 200 and everything.json()["total"] >= 350

    def test_an_unknown_release_is_404(self, erp) -> None:
        assert erp("GET", "/api/v1/factors", params={"release": "0.0"}).status_code == 404

    def test_needs_authentication(self, client) -> None:
        answer = client.get("/api/v1/factors")
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"


class TestPicker:
    def test_returns_the_compact_fields(self, erp) -> None:
        answer = erp("GET", "/api/v1/factors/search", params={"q": "电力"})
        assert answer.status_code == 200
        items = answer.json()
        assert items and set(items[0]) == PICKER_FIELDS
        assert len(items) <= 20

    @pytest.mark.parametrize(("unit", "dimension"), [("kWh", "energy"), ("t", "mass")])
    def test_a_unit_keeps_only_factors_that_convert_to_it(self, erp, unit, dimension) -> None:
        items = erp("GET", "/api/v1/factors/search", params={"unit": unit, "limit": 50}).json()
        assert len(items) == 50
        assert {item["dimension"] for item in items} == {dimension}
        for item in items:
            assert conversion_factor(item["unit"], unit) > 0

    def test_unit_and_words_together(self, erp) -> None:
        in_mwh = erp("GET", "/api/v1/factors/search", params={"q": "电力碳足迹", "unit": "MWh"})
        assert GRID in [item["slug"] for item in in_mwh.json()]
        in_kg = erp("GET", "/api/v1/factors/search", params={"q": "电力碳足迹", "unit": "kg"})
        assert in_kg.json() == []

    def test_a_dimension_filters_as_well(self, erp) -> None:
        items = erp(
            "GET", "/api/v1/factors/search", params={"dimension": "freight transport"}
        ).json()
        assert items and {item["dimension"] for item in items} == {"freight transport"}

    @pytest.mark.parametrize("unit", ["parsecs-ish", "kg)", "1/0"])
    def test_an_unknown_unit_is_422_at_the_unit(self, erp, unit) -> None:
        answer = erp("GET", "/api/v1/factors/search", params={"unit": unit})
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["unit"]


class TestOneFactor:
    def test_current_version_with_history_and_releases(self, erp) -> None:
        answer = erp("GET", f"/api/v1/factors/{GRID}")
        assert answer.status_code == 200
        data = answer.json()
        assert data["slug"] == GRID and data["co2e"] == pytest.approx(0.5777)
        assert data["versions"][0]["releases"] == ["2026.1"]
        assert data["versions"][0]["events"][0]["action"] == "imported-published"

    def test_nonsense_paths_are_422_or_404_never_500(self, erp) -> None:
        assert erp("GET", "/api/v1/factors/Not A Slug").status_code == 422
        assert erp("GET", "/api/v1/factors/no-such-factor").status_code == 404
        assert erp("GET", f"/api/v1/factors/{GRID}/versions/0").status_code == 422
        assert erp("GET", f"/api/v1/factors/{GRID}/versions/{10**20}").status_code == 422
        assert erp("GET", f"/api/v1/factors/{GRID}/versions/2").status_code == 404
        assert erp("GET", f"/api/v1/factors/{GRID}/versions/1").status_code == 200


class TestReleases:
    def test_list_and_one_release_a_page_at_a_time(self, erp) -> None:
        releases = erp("GET", "/api/v1/factor-releases").json()
        assert [r["name"] for r in releases] == ["2026.1"]
        page = erp("GET", "/api/v1/factor-releases/2026.1", params={"limit": 3, "offset": 3})
        data = page.json()
        assert data["release"]["factor_count"] == data["total"] > 3
        assert len(data["items"]) == 3

    def test_diff_of_a_release_with_itself_is_empty_and_unknown_is_404(self, erp) -> None:
        same = erp("GET", "/api/v1/factor-releases/diff", params={"old": "2026.1", "new": "2026.1"})
        assert same.json() == {
            "old": "2026.1",
            "new": "2026.1",
            "added": [],
            "changed": [],
            "withdrawn": [],
        }
        missing = erp("GET", "/api/v1/factor-releases/diff", params={"old": "x", "new": "2026.1"})
        assert missing.status_code == 404
        assert erp("GET", "/api/v1/factor-releases/nope").status_code == 404


class TestSubmitAndReview:
    def test_contributor_submits_and_another_reviewer_approves(self, login) -> None:
        contributor = as_person(login, "contributor@tanji.demo")
        made = contributor("POST", "/api/v1/factors", json=body("test-api-aluminium"))
        assert made.status_code == 201, made.text
        record = made.json()
        assert record["status"] == "in-review" and record["contributor"] == "contributor@tanji.demo"
        assert record["co2e"] == pytest.approx(0.5 + 0.001 * 29.8)

        reviewer = as_person(login, "reviewer@tanji.demo")
        url = "/api/v1/factors/test-api-aluminium/versions/1/review"
        decided = reviewer("POST", url, json={"decision": "approve"})
        assert decided.status_code == 200 and decided.json()["status"] == "published"
        found = reviewer("GET", "/api/v1/factors/search", params={"q": "test secondary"}).json()
        assert [item["slug"] for item in found] == ["test-api-aluminium"]

    def test_own_submission_cannot_be_approved(self, login) -> None:
        admin = as_person(login, "admin@tanji.demo")
        assert admin("POST", "/api/v1/factors", json=body("test-api-own")).status_code == 201
        refused = admin(
            "POST", "/api/v1/factors/test-api-own/versions/1/review", json={"decision": "approve"}
        )
        assert refused.status_code == 403 and "own factor" in refused.json()["detail"][0]["msg"]

    def test_a_rejection_needs_a_reason_and_the_version_must_match(self, login) -> None:
        contributor = as_person(login, "contributor@tanji.demo")
        contributor("POST", "/api/v1/factors", json=body("test-api-rejected"))
        reviewer = as_person(login, "reviewer@tanji.demo")
        url = "/api/v1/factors/test-api-rejected/versions/{}/review"
        missing = reviewer("POST", url.format(1), json={"decision": "reject"})
        assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["reason"]
        stale = reviewer("POST", url.format(2), json={"decision": "reject", "reason": "x"})
        assert stale.status_code == 409
        done = reviewer("POST", url.format(1), json={"decision": "reject", "reason": "No table"})
        assert done.json()["status"] == "rejected" and done.json()["review_note"] == "No table"

    def test_a_bad_gas_is_422_at_the_composition(self, login) -> None:
        contributor = as_person(login, "contributor@tanji.demo")
        answer = contributor(
            "POST", "/api/v1/factors", json=body("test-api-bad", composition={"XX9": 1})
        )
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == ["composition"]
        missing = contributor("POST", "/api/v1/factors", json={"slug": "test-api-empty"})
        assert missing.status_code == 422

    def test_readers_cannot_submit_or_review(self, erp) -> None:
        assert erp("POST", "/api/v1/factors", json=body("test-api-erp")).status_code == 403
        review = erp(
            "POST", f"/api/v1/factors/{GRID}/versions/1/review", json={"decision": "approve"}
        )
        assert review.status_code == 403

    def test_a_cookie_session_needs_the_csrf_header(self, login) -> None:
        browser = login("contributor@tanji.demo")
        answer = browser.post("/api/v1/factors", json=body("test-api-csrf"))
        assert answer.status_code == 403
        assert answer.json()["detail"][0]["loc"] == ["csrf_token"]


class TestOpenApi:
    def test_every_factor_operation_declares_its_responses(self, client) -> None:
        schema = client.get("/api/openapi.json").json()
        paths = {p: ops for p, ops in schema["paths"].items() if "factor" in p}
        assert "/api/v1/factors/search" in paths
        assert "/api/v1/factor-releases/diff" in paths
        for path, operations in paths.items():
            for method, operation in operations.items():
                responses = operation["responses"]
                success = "201" if (method, path) == ("post", "/api/v1/factors") else "200"
                assert "content" in responses[success], (method, path)
                assert {"401", "403"} <= responses.keys(), (method, path)
                if "{" in path or method == "post":
                    assert "422" in responses, (method, path)
        picker = paths["/api/v1/factors/search"]["get"]["responses"]["200"]
        assert picker["content"]["application/json"]["schema"]["items"]["$ref"].endswith(
            "FactorSummary"
        )
