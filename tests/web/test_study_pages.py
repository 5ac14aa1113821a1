"""The enterprise workspace pages: products, studies, the editor, results, versions, diffs."""

from __future__ import annotations

import io
import re
import uuid
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient

from tanji.footprints import studies
from tests.web.conftest import DEMO_PASSWORD, post_form

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ELECTRICITY = "cn-electricity-footprint-2024"  # 0.5777 kg CO2e/kWh in the seed release


class FormReader(HTMLParser):
    """The fields one form of a page would post, as a browser fills them in."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: dict[str, str] = {}
        self.select: str | None = None
        self.first_option: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = attr.get("id") == self.form_id
        if not self.inside:
            return
        name = attr.get("name")
        if tag == "input" and name and attr.get("type") not in ("submit", "file"):
            if attr.get("type") != "checkbox" or "checked" in attr:
                self.fields[name] = attr.get("value", "")
        elif tag == "select" and name:
            self.select, self.first_option = name, None
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = attr.get("value", "")
                self.fields[self.select] = self.first_option
            if "selected" in attr:
                self.fields[self.select] = attr.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.inside and self.textarea:
            self.fields[self.textarea] += data


def form_fields(html: str, form_id: str = "model-editor") -> dict[str, str]:
    reader = FormReader(form_id)
    reader.feed(html)
    return reader.fields


def login_client(web_app, username: str) -> TestClient:
    browser = TestClient(web_app, base_url="http://testserver")
    browser.cookies.set("tanji_lang", "en")
    response = post_form(
        browser,
        "/login",
        {"username": username, "password": DEMO_PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return browser


def new_product(browser: TestClient) -> str:
    code = f"PO-{uuid.uuid4().hex[:8]}"
    response = post_form(
        browser,
        "/studies/products",
        {"code": code, "name_zh": "水泥", "name_en": "Test cement", "category": "cement"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.headers["location"].split("#product-")[1]


def new_study(browser: TestClient) -> str:
    product = new_product(browser)
    response = post_form(
        browser,
        "/studies/new",
        {"product": product, "mode": "template", "rule_id": "cement"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[1]


def calculate(browser: TestClient, study: str) -> str:
    response = post_form(
        browser, f"/studies/{study}/calculate", {"iterations": "200"}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def cement(web_app) -> dict[str, str]:
    """A study of the demo cement enterprise with one calculation."""
    with login_client(web_app, "carbon@cement.demo") as browser:
        study = new_study(browser)
        return {"study": study, "calculation": calculate(browser, study)}


def _input_index(fields: dict[str, str], process: int, input_id: str) -> int:
    for name, value in fields.items():
        match = re.fullmatch(rf"processes-{process}-inputs-(\d+)-id", name)
        if match and value == input_id:
            return int(match.group(1))
    raise AssertionError(f"no input {input_id} in process {process}")


class TestFullFlow:
    def test_product_study_edit_save_calculate_result_and_diff(self, login) -> None:
        browser = login("carbon@cement.demo")
        product = new_product(browser)
        listing = browser.get("/studies")
        assert listing.status_code == 200 and "Test cement" in listing.text
        assert f"/studies/new?product={product}" in listing.text

        start = browser.get(f"/studies/new?product={product}")
        assert start.status_code == 200
        assert "/api/v1/templates/cement.xlsx" in start.text  # the product's category
        created = post_form(
            browser,
            "/studies/new",
            {"product": product, "mode": "template", "rule_id": "cement", "title": "Line 2"},
            follow_redirects=False,
        )
        assert created.status_code == 303
        study = created.headers["location"].rsplit("/", 1)[1]

        editor = browser.get(f"/studies/{study}/edit")
        assert editor.status_code == 200
        fields = form_fields(editor.text)
        assert fields["product-unit-unit"] == "t"
        assert "data-factor-picker" in editor.text
        count = sum(1 for name in fields if re.fullmatch(r"processes-1-inputs-\d+-id", name))

        fields["processes-1-inputs-0-source"] = "kept while adding a row"
        added = post_form(browser, f"/studies/{study}/edit", {**fields, "action": "add-input:1"})
        assert added.status_code == 200
        fields = form_fields(added.text)
        assert f"processes-1-inputs-{count}-amount" in fields  # a blank row to fill in
        assert fields["processes-1-inputs-0-source"] == "kept while adding a row"
        fields.update(
            {
                f"processes-1-inputs-{count}-id": "grinding-power",
                f"processes-1-inputs-{count}-name-en": "Grinding power",
                f"processes-1-inputs-{count}-amount": "40",
                f"processes-1-inputs-{count}-unit": "kWh",
                f"processes-1-inputs-{count}-factor": ELECTRICITY,
                "note": "metered grinding power",
            }
        )
        saved = post_form(
            browser, f"/studies/{study}/edit", {**fields, "action": "save"}, follow_redirects=False
        )
        assert saved.status_code == 303, saved.text
        assert saved.headers["location"] == f"/studies/{study}?saved=2"
        overview = browser.get(saved.headers["location"])
        assert "Version 2 saved." in overview.text and "metered grinding power" in overview.text

        result = browser.get(f"/calculations/{calculate(browser, study)}")
        assert result.status_code == 200
        assert "23.11" in result.text  # 40 kWh × 0.5777 kg CO2e/kWh, the only non-zero input
        assert result.text.count("<svg") >= 3  # stage, contribution, gas (and uncertainty)
        assert (
            'id="findings"' in result.text
            and "The study states no reference period." in result.text
        )
        assert "badge warn" in result.text and "Can be submitted for certification" in result.text
        assert "Grinding power" in result.text  # top contributors by input name
        assert f'href="/factors/{ELECTRICITY}"' in result.text
        assert "report.pdf" in result.text and f"/studies/{study}" in result.text

        diff = browser.get(f"/studies/{study}/diff?old=1&new=2")
        assert diff.status_code == 200
        assert "production/grinding-power" in diff.text and "diff-add" in diff.text

        version = browser.get(f"/studies/{study}/versions/2")
        assert version.status_code == 200 and "grinding-power" in version.text
        download = browser.get(f"/studies/{study}/versions/2.yaml")
        assert download.status_code == 200 and "grinding-power" in download.text
        assert "attachment" in download.headers["content-disposition"]


class TestUploads:
    def test_a_model_file_starts_a_study_and_another_becomes_its_next_version(self, login) -> None:
        browser = login("carbon@cement.demo")
        product = new_product(browser)
        example = (EXAMPLES / "portland-cement.yaml").read_bytes()
        created = post_form(
            browser,
            "/studies/new",
            {"product": product, "mode": "upload"},
            files={"file": ("cement.yaml", example, "text/yaml")},
            follow_redirects=False,
        )
        assert created.status_code == 303, created.text
        study = created.headers["location"].rsplit("/", 1)[1]
        assert browser.get(f"/studies/{study}/upload").status_code == 200
        changed = example.replace(b"amount: 35\n", b"amount: 38\n")
        uploaded = post_form(
            browser,
            f"/studies/{study}/upload",
            {"note": "new meter"},
            files={"file": ("cement-v2.yaml", changed, "text/yaml")},
            follow_redirects=False,
        )
        assert uploaded.status_code == 303, uploaded.text
        assert uploaded.headers["location"].endswith("?saved=2")
        diff = browser.get(f"/studies/{study}/diff?old=1&new=2")
        assert "cement-grinding/grinding-electricity" in diff.text and "diff-chg" in diff.text


class TestEditorErrors:
    def test_a_bad_unit_is_shown_next_to_its_field_and_the_values_are_kept(
        self, login, cement
    ) -> None:
        browser = login("carbon@cement.demo")
        study = cement["study"]
        fields = form_fields(browser.get(f"/studies/{study}/edit").text)
        power = _input_index(fields, 1, "electricity")
        fields[f"processes-1-inputs-{power}-unit"] = "bananas"
        fields[f"processes-1-inputs-{power}-amount"] = "77.5"
        response = post_form(browser, f"/studies/{study}/edit", {**fields, "action": "save"})
        assert response.status_code == 422
        name = f"processes-1-inputs-{power}-unit"
        field = re.search(rf'<input[^>]*name="{name}"[^>]*>', response.text)
        assert (
            field
            and 'aria-invalid="true"' in field.group(0)
            and 'value="bananas"' in field.group(0)
        )
        message = re.search(
            rf'<span class="field-error" id="e-{name}"[^>]*>([^<]+)<', response.text
        )
        assert message and "bananas" in message.group(1)
        assert form_fields(response.text)[f"processes-1-inputs-{power}-amount"] == "77.5"

    def test_enter_saves_rather_than_removing_a_row(self, login, cement) -> None:
        page = login("carbon@cement.demo").get(f"/studies/{cement['study']}/edit").text
        first_button = re.search(r"<button[^>]*>", page[page.index('id="model-editor"') :])
        assert first_button and 'value="save"' in first_button.group(0)

    def test_a_broken_yaml_upload_names_the_line(self, login) -> None:
        browser = login("carbon@cement.demo")
        product = new_product(browser)
        response = post_form(
            browser,
            "/studies/new",
            {"product": product, "mode": "upload"},
            files={
                "file": ("broken.yaml", b"format: tanji-model/1\nproduct: {id: x\n", "text/yaml")
            },
        )
        assert response.status_code == 422
        problems = re.search(r'id="upload-problems"(.*?)</div>', response.text, re.S)
        assert problems and "line 3" in problems.group(1)

    def test_a_workbook_error_names_sheet_row_and_column(self, login) -> None:
        browser = login("carbon@cement.demo")
        product = new_product(browser)
        workbook = openpyxl.load_workbook(io.BytesIO(studies.xlsx_template("cement")))
        workbook["Inputs"]["F3"] = "bananas"  # the unit of the second input row
        content = io.BytesIO()
        workbook.save(content)
        response = post_form(
            browser,
            "/studies/new",
            {"product": product, "mode": "upload"},
            files={"file": ("cement.xlsx", content.getvalue(), XLSX)},
        )
        assert response.status_code == 422
        problems = re.search(r'id="upload-problems"(.*?)</div>', response.text, re.S)
        assert problems and "sheet Inputs, row 3, column unit" in problems.group(1)

    def test_the_yaml_editor_names_the_line_of_a_syntax_error(self, login, cement) -> None:
        browser = login("carbon@cement.demo")
        response = post_form(
            browser,
            f"/studies/{cement['study']}/yaml",
            {"model": "format: tanji-model/1\nproduct:\n  id: [x\n"},
        )
        assert response.status_code == 422
        assert "line 4" in response.text and "tanji-model/1" in response.text


class TestRights:
    def test_a_viewer_sees_no_edit_or_calculate_and_cannot_post(self, login, cement) -> None:
        browser = login("viewer@cement.demo")
        study = cement["study"]
        overview = browser.get(f"/studies/{study}")
        assert overview.status_code == 200
        assert f"/studies/{study}/edit" not in overview.text
        assert f"/studies/{study}/calculate" not in overview.text
        assert browser.get(f"/calculations/{cement['calculation']}").status_code == 200
        assert browser.get(f"/studies/{study}/edit").status_code == 403
        assert post_form(browser, f"/studies/{study}/edit", {"action": "save"}).status_code == 403
        assert post_form(browser, f"/studies/{study}/calculate", {}).status_code == 403
        assert post_form(browser, "/studies/products", {"code": "X"}).status_code == 403

    def test_another_enterprise_gets_404(self, login, cement) -> None:
        browser = login("carbon@aluminium.demo")
        assert browser.get(f"/studies/{cement['study']}").status_code == 404
        assert browser.get(f"/studies/{cement['study']}/edit").status_code == 404
        assert browser.get(f"/studies/{cement['study']}/versions/1.yaml").status_code == 404
        assert browser.get(f"/calculations/{cement['calculation']}").status_code == 404
        response = post_form(browser, f"/studies/{cement['study']}/calculate", {})
        assert response.status_code == 404

    def test_a_visitor_is_sent_to_the_login_page(self, client, cement) -> None:
        response = client.get(f"/studies/{cement['study']}", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
