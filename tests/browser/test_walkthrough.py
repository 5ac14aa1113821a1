"""A real browser walks the platform: log in, model a product, calculate, report, compare.

Runs against the live demo platform (see conftest.py) in Debian's Chromium. Assertions
lean on structure — element ids, form field names, URLs, numbers — because the Chinese
wording changes with the catalogue; screenshots of each step land in var/test-screenshots/.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tanji.factors.resolve import SeedTable
from tests.browser.live import DEMO_PASSWORD


def log_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.locator("form[action='/login'] input[name='username']").fill(username)
    page.locator("form[action='/login'] input[name='password']").fill(password)
    page.locator("form[action='/login'] button[type='submit']").click()


class TestLogin:
    def test_wrong_password_shows_the_error_in_the_page(self, new_page, shoot):
        page = new_page()
        log_in(page, "carbon@cement.demo", "not-the-password")
        error = page.locator("#login-error")
        error.wait_for()
        assert page.url.endswith("/login"), page.url
        assert error.get_attribute("role") == "alert"
        assert error.inner_text().strip(), "the login error is empty"
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        # the username is kept, the password is not
        username = page.locator("input[name='username']")
        assert username.input_value() == "carbon@cement.demo"
        assert page.locator("input[name='password']").input_value() == ""
        shoot(page, "login-wrong-password-zh-CN")

    def test_wrong_password_message_in_english(self, new_page):
        page = new_page(locale="en-US")
        log_in(page, "carbon@cement.demo", "not-the-password")
        assert page.locator("#login-error").inner_text().strip() == "Wrong username or password."

    def test_login_then_logout(self, new_page, shoot):
        page = new_page()
        log_in(page, "viewer@cement.demo")
        page.wait_for_url(re.compile(r"/$"))
        logout = page.locator("form[action='/logout'] button[type='submit']")
        assert logout.is_visible(), "no logout button in the header after logging in"
        shoot(page, "workspace-viewer-zh-CN")
        session = [c for c in page.context.cookies() if c["name"] == "tanji_session"]
        assert session, "logging in set no tanji_session cookie"
        logout.click()
        page.wait_for_url(re.compile(r"/login$"))
        assert page.locator("form[action='/logout']").count() == 0
        cookies = {cookie["name"] for cookie in page.context.cookies()}
        assert "tanji_session" not in cookies, cookies
        # the start page greets a visitor again instead of showing the workspace
        page.goto("/")
        assert page.locator("section.hero a[href='/login']").count() == 1
        assert page.locator("a.tile").count() == 0
        # the old session token is dead on the server, not only dropped by the browser
        page.context.add_cookies(session)
        page.goto("/")
        assert page.locator("form[action='/logout']").count() == 0, "the old session still works"


# --- the walk -------------------------------------------------------------------------

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
ELECTRICITY_KWH = 90


def number_in(text: str) -> float:
    """A number as the pages format it (grouping commas, maybe a sign), back to a float."""
    cleaned = re.sub(r"[,\s\u00a0\u202f]", "", text)
    found = re.search(r"[-+−]?\d+(?:\.\d+)?", cleaned)
    assert found, f"no number in {text!r}"
    return float(found.group(0).replace("−", "-"))


def expect_url(page, pattern: str, step: str) -> re.Match:
    """Wait for the page to reach a URL matching ``pattern`` (a regex on the path)."""
    try:
        page.wait_for_url(re.compile(pattern), timeout=30_000)
    except PlaywrightTimeout:
        problems = page.locator(".flash.error, [role=alert]").all_inner_texts()
        raise AssertionError(
            f"{step}: expected a URL matching {pattern}, stayed on {page.url} "
            f"(page title {page.title()!r}, alerts {problems})"
        ) from None
    found = re.search(pattern, page.url)
    assert found, page.url
    return found


def must_exist(page, selector: str, step: str):
    locator = page.locator(selector)
    assert locator.count() > 0, f"{step}: {page.url} has no element {selector!r}"
    return locator.first


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_product_to_report_walk(new_page, shoot, tmp_path, language):
    """A carbon manager models a cement product, calculates it, downloads the report."""
    page = new_page(locale="zh-CN")
    english = language == "en"
    code = f"BW-{language}-{uuid.uuid4().hex[:6]}"
    name_zh = f"浏览器测试水泥{code[-6:]}"
    name_en = f"Browser test cement {code[-6:]}"

    def snap(number: int, step: str) -> None:
        shoot(page, f"walk-{language}-{number:02d}-{step}")

    # log in; the workspace shows the way to the studies
    log_in(page, "carbon@cement.demo")
    expect_url(page, r"/$", "log in as carbon@cement.demo")
    must_exist(page, "a.tile[href='/studies']", "workspace")
    if english:
        page.locator(".langswitch a[hreflang='en']").click()
        expect_url(page, r"\?lang=en$", "switch to English")
    assert page.locator("html").get_attribute("lang") == language
    if english:
        assert page.locator("main h1").inner_text() == "Workspace"
    snap(1, "workspace")

    # the products and studies list, with the form for a new product
    page.locator("nav.mainnav a[href='/studies']").click()
    expect_url(page, r"/studies$", "open /studies from the main navigation")
    if english:
        assert page.locator("main h1").inner_text() == "Products & studies"
    form = must_exist(page, "form[action='/studies/products']", "studies list")
    form.locator("input[name='code']").fill(code)
    form.locator("input[name='name_zh']").fill(name_zh)
    form.locator("input[name='name_en']").fill(name_en)
    form.locator("select[name='category']").select_option("cement")
    snap(2, "new-product")
    form.locator("button[type='submit']").click()
    product_id = expect_url(page, rf"/studies#product-({UUID})$", "create the product").group(1)
    card = page.locator(f"#product-{product_id}")
    assert code in card.locator("h2").inner_text()
    assert (name_en if english else name_zh) in card.locator("h2").inner_text()

    # a new study from the cement rule's template
    card.locator(f"a[href='/studies/new?product={product_id}']").click()
    expect_url(page, rf"/studies/new\?product={product_id}$", "open the new study page")
    template = must_exist(
        page, "form[action='/studies/new']:has(input[name='mode'][value='template'])", "new study"
    )
    assert template.locator("select[name='product']").input_value() == product_id
    assert template.locator("select[name='rule_id']").input_value() == "cement", (
        "the product rule should default to the product's category"
    )
    template.locator("input[name='title']").fill(f"{code} 2026")
    snap(3, "new-study")
    template.locator("button[type='submit']").click()
    study_id = expect_url(page, rf"/studies/({UUID})$", "create the study from the template").group(
        1
    )
    assert page.locator("main h1").inner_text() == f"{code} 2026"
    assert page.locator("#versions tbody tr").count() == 1
    snap(4, "study")

    # the editor: the template's electricity input gets its amount
    page.locator(f"a[href='/studies/{study_id}/edit']").click()
    expect_url(page, rf"/studies/{study_id}/edit$", "open the model editor")
    electricity = must_exist(
        page, "#model-editor input[name$='-id'][value='electricity']", "the cement template"
    )
    prefix = electricity.get_attribute("name").removesuffix("-id")
    amount = page.locator(f"input[name='{prefix}-amount']")
    assert number_in(amount.input_value()) == 0
    slug = page.locator(f"input[name='{prefix}-factor']").input_value()
    assert slug, "the template's electricity input names no factor"
    amount.fill(str(ELECTRICITY_KWH))
    page.locator("#model-editor input[name='note']").fill("electricity metered 2026-Q1")
    snap(5, "editor")
    page.locator("#model-editor button.primary[name='action'][value='save']").click()
    expect_url(page, rf"/studies/{study_id}\?saved=2$", "save the model as version 2")
    assert page.locator("#versions tbody tr").count() == 2

    # calculate version 2
    calculate = must_exist(page, "#calculate form", "study overview")
    assert calculate.locator("select[name='number']").input_value() == "2"
    calculate.locator("button[type='submit']").click()
    calculation_id = expect_url(page, rf"/calculations/({UUID})$", "calculate").group(1)

    # the result: the total is the electricity's footprint, with the charts drawn
    total = number_in(page.locator("#kpi-total .value").inner_text())
    factor = SeedTable().records[slug].co2e
    assert total > 0
    assert total == pytest.approx(ELECTRICITY_KWH * factor, rel=1e-3), (total, slug, factor)
    for chart in ("#stage-chart svg", "#contribution-chart svg"):
        drawn = must_exist(page, chart, "result page")
        box = drawn.bounding_box()
        assert box and box["width"] > 50 and box["height"] > 20, f"{chart} is not drawn: {box}"
    first_contributor = page.locator("#contributors tbody tr").first.inner_text()
    assert ("Electricity" if english else "生产电耗") in first_contributor
    snap(6, "result")

    # the PDF report downloads, and its text names the product
    lang = "en" if english else "zh_CN"
    link = must_exist(
        page, f"a[href='/calculations/{calculation_id}/report.pdf?lang={lang}']", "result"
    )
    report = f"/calculations/{calculation_id}/report.pdf"
    with page.expect_download(timeout=60_000) as info:
        with page.expect_response(lambda r: urlsplit(r.url).path == report) as answer:
            link.click()
        status = answer.value.status
        if status != 200:  # a missing or failing report: say so at once
            page.wait_for_load_state()
            pytest.fail(
                f"GET {report}?lang={lang} answered HTTP {status}, not a PDF download: "
                f"{page.locator('main').inner_text()[:300]!r}"
            )
        kind = answer.value.headers.get("content-type", "")
        assert kind.startswith("application/pdf"), f"{report} is {kind!r}"
    pdf = tmp_path / "report.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-", pdf.read_bytes()[:200]
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    wanted = name_en if english else name_zh
    assert wanted.replace(" ", "") in re.sub(r"\s", "", text), text[:1500]

    # the version diff: the amount changed from 0 to 90
    page.goto(f"/studies/{study_id}")
    page.locator(f"a[href='/studies/{study_id}/diff']").click()
    expect_url(page, rf"/studies/{study_id}/diff$", "open the version comparison")
    row = page.locator("#diff-inputs tbody tr", has_text="production/electricity")
    assert row.count() == 1, page.locator("#diff-inputs").inner_text()
    change = row.locator("td.diff-chg").first
    assert number_in(change.locator("del").inner_text()) == 0
    assert number_in(change.locator("ins").inner_text()) == ELECTRICITY_KWH
    new_total = page.locator("#diff-totals tbody tr").first.locator("td.num").nth(1)
    assert number_in(new_total.inner_text()) == pytest.approx(total, rel=1e-3)
    snap(7, "diff")
