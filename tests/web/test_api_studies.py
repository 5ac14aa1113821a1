"""The studies REST API: the full flow by bearer token and by login cookie, privacy across
organisations, rights and CSRF, and validation errors as 422."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable

import pytest
import yaml
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tanji.db.session import session_scope
from tanji.demo import seed_demo_studies

API = "/api/v1"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def csrf_headers(browser: TestClient) -> dict[str, str]:
    if "tanji_csrf" not in browser.cookies:
        browser.get("/login")
    return {"x-csrf-token": browser.cookies["tanji_csrf"]}


def start_study(client: TestClient, headers: dict[str, str]) -> dict:
    product = client.post(
        f"{API}/products",
        json={
            "code": unique("OPC"),
            "name_zh": "测试水泥",
            "name_en": "Test cement",
            "category": "cement",
        },
        headers=headers,
    )
    assert product.status_code == 201, product.text
    study = client.post(
        f"{API}/studies",
        json={"product_id": product.json()["id"], "rule_id": "cement", "title": "API test"},
        headers=headers,
    )
    assert study.status_code == 201, study.text
    return study.json()


def full_flow(client: TestClient, headers: dict[str, str]) -> dict:
    """product → study from template → new version → calculate → read → diff."""
    study = start_study(client, headers)
    assert (study["latest_version"], study["rule_id"], study["title"]) == (1, "cement", "API test")
    base = f"{API}/studies/{study['id']}"
    first = client.get(f"{base}/versions/1", headers=headers)
    assert first.status_code == 200
    model = first.json()["model"]
    assert model["product"]["name"] == {"zh": "测试水泥", "en": "Test cement"}
    production = next(p for p in model["processes"] if p["id"] == "production")
    power = next(i for i in production["inputs"] if i["id"] == "electricity")
    power["amount"] = 50
    saved = client.post(
        f"{base}/versions", json={"model": model, "note": "metered power"}, headers=headers
    )
    assert saved.status_code == 201, saved.text
    assert (saved.json()["number"], saved.json()["note"]) == (2, "metered power")
    calculated = client.post(
        f"{base}/calculations", json={"iterations": 100, "seed": 1}, headers=headers
    )
    assert calculated.status_code == 201, calculated.text
    calculation = calculated.json()
    assert calculation["version_number"] == 2
    assert calculation["total"] == pytest.approx(50 * 0.5777)
    assert calculation["unit"] == "1 t"
    assert calculation["result"]["rule_check"]["rule"] == "cement"
    assert calculation["result"]["uncertainty"]["iterations"] == 100
    read = client.get(f"{API}/calculations/{calculation['id']}", headers=headers)
    assert read.status_code == 200
    assert read.json()["result"] == calculation["result"]
    listed = client.get(f"{base}/calculations", headers=headers).json()
    assert [c["id"] for c in listed] == [calculation["id"]]
    diff = client.get(f"{base}/diff", params={"old": 1, "new": 2}, headers=headers)
    assert diff.status_code == 200, diff.text
    body = diff.json()
    assert [(c["key"], c["kind"], c["fields"]) for c in body["inputs"]] == [
        ("production/electricity", "changed", ["amount"])
    ]
    assert (body["old_total"], body["new_total"]) == (None, pytest.approx(50 * 0.5777))
    assert {"stage": "production", "old": None, "new": pytest.approx(50 * 0.5777)} in body[
        "by_stage"
    ]
    versions = client.get(f"{base}/versions", headers=headers).json()
    assert [v["number"] for v in versions] == [1, 2]
    return study


class TestFlow:
    def test_by_bearer_token(self, client: TestClient, bearer) -> None:
        headers = bearer("demo-cement-api", "demo-cement-secret")
        study = full_flow(client, headers)
        assert study["created_by"] == "client:demo-cement-api"
        listed = client.get(f"{API}/studies", headers=headers).json()
        assert study["id"] in [s["id"] for s in listed]

    def test_by_login_cookie(self, login: Callable[[str], TestClient]) -> None:
        browser = login("carbon@cement.demo")
        study = full_flow(browser, csrf_headers(browser))
        assert study["created_by"] == "carbon@cement.demo"

    def test_cookie_requests_need_the_csrf_token(self, login: Callable[[str], TestClient]) -> None:
        browser = login("carbon@cement.demo")
        response = browser.post(
            f"{API}/products",
            json={"code": unique("X"), "name_zh": "某", "category": "cement"},
        )
        assert response.status_code == 403
        assert response.json()["detail"][0]["loc"] == ["csrf_token"]

    def test_upload_of_the_filled_workbook(self, client: TestClient, bearer) -> None:
        headers = bearer("demo-cement-api", "demo-cement-secret")
        study = start_study(client, headers)
        workbook = client.get(f"{API}/templates/cement.xlsx", headers=headers)
        assert workbook.status_code == 200
        assert workbook.headers["content-type"].startswith("application/vnd.openxmlformats")
        book = load_workbook(io.BytesIO(workbook.content))
        sheet = book["Inputs"]
        row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 2).value == "kiln-fuel")
        sheet.cell(row, 5).value = "lots"
        buffer = io.BytesIO()
        book.save(buffer)
        response = client.post(
            f"{API}/studies/{study['id']}/versions/upload",
            files={"file": ("filled.xlsx", buffer.getvalue())},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["Inputs", row, "amount"]
        sheet.cell(row, 5).value = 120
        buffer = io.BytesIO()
        book.save(buffer)
        response = client.post(
            f"{API}/studies/{study['id']}/versions/upload",
            files={"file": ("filled.xlsx", buffer.getvalue())},
            data={"note": "from the plant"},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        assert (response.json()["origin"], response.json()["number"]) == ("xlsx", 2)

    def test_yaml_upload_errors_name_the_field(self, client: TestClient, bearer) -> None:
        headers = bearer("demo-cement-api", "demo-cement-secret")
        study = start_study(client, headers)
        model = client.get(f"{API}/studies/{study['id']}/versions/1", headers=headers).json()
        model = model["model"]
        model["processes"][0]["inputs"][0]["factor"] = "no-such-factor"
        response = client.post(
            f"{API}/studies/{study['id']}/versions/upload",
            files={"file": ("m.yaml", yaml.safe_dump(model, allow_unicode=True).encode())},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["processes", 0, "inputs", 0, "factor"]

    def test_templates(self, client: TestClient, bearer) -> None:
        headers = bearer("demo-cement-api", "demo-cement-secret")
        templates = client.get(f"{API}/templates", headers=headers).json()
        ids = [t["rule_id"] for t in templates]
        assert ids[0] == "general" and "cement" in ids
        cement = next(t for t in templates if t["rule_id"] == "cement")
        assert cement["model"]["product"]["category"] == "cement"
        assert yaml.safe_load(cement["yaml"]) == cement["model"]
        assert client.get(f"{API}/templates/cheese.xlsx", headers=headers).status_code == 404
        assert client.get(f"{API}/templates/Bad!.xlsx", headers=headers).status_code == 422


class TestDemoData:
    def test_the_cement_study_has_two_calculated_versions(self, client: TestClient, bearer) -> None:
        headers = bearer("demo-cement-api", "demo-cement-secret")
        products = client.get(f"{API}/products", headers=headers).json()
        cement = next(p for p in products if p["code"] == "PO-42.5")
        assert cement["name_zh"] == "普通硅酸盐水泥 P·O 42.5"
        (study,) = client.get(
            f"{API}/studies", params={"product_id": cement["id"]}, headers=headers
        ).json()
        assert study["latest_version"] >= 2
        diff = client.get(
            f"{API}/studies/{study['id']}/diff", params={"old": 1, "new": 2}, headers=headers
        ).json()
        change = next(c for c in diff["inputs"] if c["key"] == "cement-grinding/clinker")
        assert (change["before"]["amount"], change["after"]["amount"]) == (0.8, 0.75)
        assert diff["new_total"] < diff["old_total"]
        # the demo is seeded in the language the platform started in
        assert diff_note(client, headers, study["id"]) in {"Lower clinker ratio", "降低熟料比例"}

    def test_seeding_again_changes_nothing(self, web_app) -> None:
        with session_scope(web_app.state.engine) as session:
            assert seed_demo_studies(session) == 0


def diff_note(client: TestClient, headers: dict[str, str], study_id: str) -> str:
    version = client.get(f"{API}/studies/{study_id}/versions/2", headers=headers).json()
    return version["note"]


class TestPrivacyAndRights:
    def test_another_organisation_gets_404(
        self, client: TestClient, bearer, login: Callable[[str], TestClient]
    ) -> None:
        headers = bearer("demo-cement-api", "demo-cement-secret")
        study = start_study(client, headers)
        calculation = client.post(
            f"{API}/studies/{study['id']}/calculations", json={"iterations": 0}, headers=headers
        ).json()
        other = login("carbon@aluminium.demo")
        other_headers = csrf_headers(other)
        for url in (
            f"{API}/studies/{study['id']}",
            f"{API}/studies/{study['id']}/versions",
            f"{API}/studies/{study['id']}/versions/1",
            f"{API}/studies/{study['id']}/calculations",
            f"{API}/studies/{study['id']}/diff?old=1&new=1",
            f"{API}/calculations/{calculation['id']}",
        ):
            assert other.get(url).status_code == 404, url
        response = other.post(
            f"{API}/studies/{study['id']}/calculations", json={}, headers=other_headers
        )
        assert response.status_code == 404
        response = other.post(
            f"{API}/studies",
            json={"product_id": study["product_id"], "rule_id": "cement"},
            headers=other_headers,
        )
        assert response.status_code == 404
        assert study["id"] not in [s["id"] for s in other.get(f"{API}/studies").json()]

    def test_viewer_reads_but_cannot_write(
        self, client: TestClient, bearer, login: Callable[[str], TestClient]
    ) -> None:
        study = start_study(client, bearer("demo-cement-api", "demo-cement-secret"))
        viewer = login("viewer@cement.demo")
        assert viewer.get(f"{API}/studies/{study['id']}").status_code == 200
        response = viewer.post(
            f"{API}/studies/{study['id']}/calculations", json={}, headers=csrf_headers(viewer)
        )
        assert response.status_code == 403

    def test_anonymous_gets_401(self, client: TestClient) -> None:
        response = client.get(f"{API}/studies")
        assert response.status_code == 401
        assert client.get(f"{API}/templates").status_code == 401


class TestValidation:
    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("post", "/products", {"code": "", "name_zh": "某", "category": "cement"}),
            ("post", "/products", {"name_zh": "某", "category": "cement"}),
            ("post", "/products", {"code": "X", "name_zh": "某", "category": "cheese"}),
            ("post", "/studies", {"product_id": "nonsense", "rule_id": "cement"}),
            ("post", "/studies/{study}/calculations", {"iterations": 20000}),
            ("post", "/studies/{study}/calculations", {"release": "1999.1"}),
            ("post", "/studies/{study}/versions", {"note": "no model"}),
            ("post", "/studies/{study}/versions", {"model": {"product": {}}}),
            ("get", "/studies/nonsense", None),
            ("get", "/studies/{study}/versions/0", None),
            ("get", "/studies/{study}/versions/99999999999", None),
            ("get", "/studies/{study}/diff?old=1", None),
            ("get", "/calculations/123", None),
        ],
    )
    def test_bad_requests_give_422(
        self, client: TestClient, bearer, method: str, path: str, body: dict | None
    ) -> None:
        headers = bearer("demo-cement-api", "demo-cement-secret")
        if "{study}" in path:
            path = path.format(study=start_study(client, headers)["id"])
        response = getattr(client, method)(
            f"{API}{path}", headers=headers, **({"json": body} if body is not None else {})
        )
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["msg"]

    def test_unknown_study_is_404(self, client: TestClient, bearer) -> None:
        headers = bearer("demo-cement-api", "demo-cement-secret")
        response = client.get(f"{API}/studies/{uuid.uuid4()}", headers=headers)
        assert response.status_code == 404
        assert response.json()["detail"][0]["loc"] == ["study_id"]

    def test_openapi_declares_rights_errors_and_summaries(self, client: TestClient) -> None:
        schema = client.get("/api/openapi.json").json()
        operation = schema["paths"]["/api/v1/studies/{study_id}/calculations"]["post"]
        assert {"401", "403", "404", "422", "201"} <= set(operation["responses"])
        assert operation["summary"]
        number = schema["paths"]["/api/v1/studies/{study_id}/versions/{number}"]["get"]
        (param,) = [p for p in number["parameters"] if p["name"] == "number"]
        assert param["schema"]["minimum"] == 1
