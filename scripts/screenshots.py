"""Screenshots of the main pages for the README, taken from a live demo platform.

    python scripts/screenshots.py [--out docs/screenshots]

Starts the platform with its demo data on a temporary SQLite database (as the browser
tests do), logs in as the demo people in Debian's Chromium (/usr/bin/chromium) and saves
1280×800 PNGs in Chinese, the default language, plus the result page in English. The
first page of the PDF report is rendered with poppler's pdftoppm. The certification
shots follow the demo certificate: the public registry and its page, its label PNG
(scaled down with Pillow), the page a phone (390×844) opens on scanning its QR code, the
application page at the certification body and the regulator's supervision dashboard.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the live server helper lives beside the browser tests

from PIL import Image  # noqa: E402
from playwright.sync_api import BrowserContext, Page, sync_playwright  # noqa: E402

from tanji.labels.render import token_from_svg  # noqa: E402
from tests.browser.live import (  # noqa: E402
    CHROMIUM,
    DEMO_PASSWORD,
    LiveServer,
    launch_chromium,
    start_live_server,
)

VIEWPORT = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}  # the verification page, as a phone opens it
LABEL_WIDTH = 900  # the label PNG is scaled down to at most this many pixels wide
FULL_PAGE_LIMIT = 2000  # the certificate page is shot whole when no taller than this
DEMO_CEMENT_CODE = "PO-42.5"  # the demo seed's calculated cement study (tanji/demo.py)
DETAIL_FACTOR = "cn-electricity-footprint-2024"  # the grid factor the cement templates use


class Camera:
    """Opens pages as a demo person and saves them as PNGs in one directory."""

    def __init__(self, browser, server: LiveServer, out: Path) -> None:
        self.browser = browser
        self.server = server
        self.out = out
        self.saved: list[Path] = []

    def context(
        self,
        username: str | None = None,
        locale: str = "zh-CN",
        *,
        viewport: dict[str, int] | None = None,
        phone: bool = False,
    ) -> BrowserContext:
        context = self.browser.new_context(
            base_url=self.server.base_url,
            locale=locale,
            viewport=viewport or VIEWPORT,
            device_scale_factor=1,
            is_mobile=phone,
            has_touch=phone,
        )
        context.set_default_timeout(30_000)
        if username:
            page = context.new_page()
            page.goto("/login")
            page.locator("form[action='/login'] input[name='username']").fill(username)
            page.locator("form[action='/login'] input[name='password']").fill(DEMO_PASSWORD)
            with page.expect_navigation():
                page.locator("form[action='/login'] button[type='submit']").click()
            if page.url.rstrip("/") != self.server.base_url:
                raise RuntimeError(f"logging in as {username} failed: still on {page.url}")
            page.close()
        return context

    def shoot(self, page: Page, name: str, *, full_page: bool = False) -> None:
        page.wait_for_load_state("networkidle")
        path = self.out / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page, type="png")
        self.saved.append(path)


def open_page(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    response = page.goto(url)
    if response is None or response.status >= 400:
        status = response.status if response else "no response"
        raise RuntimeError(f"GET {url} answered {status}")
    return page


def demo_cement_links(page: Page) -> tuple[str, str]:
    """The demo cement study's page and its latest result, from the studies list."""
    card = page.locator("section.product", has=page.locator(f"small:text-is('{DEMO_CEMENT_CODE}')"))
    if card.count() != 1:
        raise RuntimeError(
            f"/studies shows no product {DEMO_CEMENT_CODE}: the demo seed (tanji/demo.py) "
            "should create it"
        )
    study = card.locator("tbody a[href^='/studies/']").first.get_attribute("href")
    result = card.locator("tbody a[href^='/calculations/']").first.get_attribute("href")
    if not study or not result:
        raise RuntimeError(f"the demo study of {DEMO_CEMENT_CODE} has no calculated result")
    return study, result


def propose_factor(camera: Camera) -> None:
    """A contributor sends a factor to review, so the review queue has something to show."""
    context = camera.context("contributor@tanji.demo")
    page = open_page(context, "/factors/new")
    form = page.locator("form[action='/factors/new']")
    form.locator("input[name='slug']").fill("sx-demo-clinker-2025")
    form.locator("input[name='name_zh']").fill("山西示范熟料（2025，演示）")
    form.locator("input[name='name_en']").fill("Shanxi demo clinker 2025 (demo)")
    form.locator("select[name='category']").select_option(index=1)
    form.locator("input[name='unit']").fill("t")
    form.locator("input[name='gas']").first.fill("CO2")
    form.locator("input[name='amount']").first.fill("842")
    form.locator("input[name='geography']").fill("CN-SX")
    form.locator("input[name='year']").fill("2025")
    form.locator("input[name='document']").fill("Demo plant monitoring report 2025 (fictitious)")
    with page.expect_navigation():
        form.locator("button[type='submit']").click()
    if page.locator(".flash.error").count():
        raise RuntimeError(
            f"proposing a factor failed: {page.locator('.flash.error').inner_text()}"
        )
    context.close()


def report_first_page(context: BrowserContext, result_url: str, out: Path) -> Path:
    """The Chinese PDF report's first page as a PNG, at 60 dpi."""
    response = context.request.get(f"{result_url}/report.pdf?lang=zh_CN", timeout=120_000)
    if not response.ok:
        raise RuntimeError(f"GET {result_url}/report.pdf answered {response.status}")
    with tempfile.TemporaryDirectory() as scratch:
        pdf = Path(scratch) / "report.pdf"
        pdf.write_bytes(response.body())
        stem = Path(scratch) / "page"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, stem],
            check=True,
        )
        target = out / "report.png"
        target.write_bytes(stem.with_suffix(".png").read_bytes())
    return target


def demo_certificate_number(page: Page) -> str:
    """The demo certificate's number (TJCFP-<year>-000001), from the registry page."""
    links = page.locator(".registry-table tbody a[href^='/registry/TJCFP-']")
    if links.count() == 0:
        raise RuntimeError(
            "/registry lists no TJCFP- certificate: the demo seed (tanji/demo.py) should "
            "certify the demo cement study"
        )
    numbers = sorted(links.all_inner_texts())
    return numbers[0].strip()


def save_label(context: BrowserContext, number: str, out: Path) -> Path:
    """The certificate's Chinese label PNG, scaled down to at most LABEL_WIDTH px wide."""
    response = context.request.get(f"/labels/{number}.png?lang=zh_CN")
    if not response.ok:
        raise RuntimeError(f"GET /labels/{number}.png answered {response.status}")
    image = Image.open(io.BytesIO(response.body()))
    image.load()
    if image.width > LABEL_WIDTH:
        height = round(image.height * LABEL_WIDTH / image.width)
        image = image.resize((LABEL_WIDTH, height), Image.Resampling.LANCZOS)
    target = out / "label.png"
    image.save(target, format="PNG", optimize=True)
    return target


def label_token(context: BrowserContext, number: str) -> str:
    """The token of the label's QR URL, from the SVG label's data-token attribute."""
    response = context.request.get(f"/labels/{number}.svg?lang=zh_CN")
    if not response.ok:
        raise RuntimeError(f"GET /labels/{number}.svg answered {response.status}")
    token = token_from_svg(response.text())
    if not token:
        raise RuntimeError(f"the SVG label of {number} carries no data-token")
    return token


def demo_application_link(page: Page, number: str) -> str:
    """The application page of the demo certificate, from the certification inbox."""
    link = page.locator("table.cert-certificates a", has_text=number)
    if link.count() != 1:
        raise RuntimeError(f"/certification lists no certificate {number}")
    href = link.get_attribute("href") or ""
    return href.split("#", 1)[0]  # its header, not the certificate box further down


def shoot_certificate(camera: Camera, page: Page) -> None:
    """The public certificate page: whole when it is short enough, else the viewport."""
    page.wait_for_load_state("networkidle")
    height = page.evaluate("document.documentElement.scrollHeight")
    camera.shoot(page, "certificate", full_page=height <= FULL_PAGE_LIMIT)


def take_certification(camera: Camera) -> None:
    """The demo certificate from the public's, the holder's, the body's and the state's side."""
    visitor = camera.context()
    registry = open_page(visitor, "/registry")
    camera.shoot(registry, "registry")
    number = demo_certificate_number(registry)
    shoot_certificate(camera, open_page(visitor, f"/registry/{number}"))
    visitor.close()

    holder = camera.context("carbon@cement.demo")
    camera.saved.append(save_label(holder, number, camera.out))
    token = label_token(holder, number)
    holder.close()

    phone = camera.context(viewport=PHONE, phone=True)
    camera.shoot(open_page(phone, f"/v/{token}"), "verify")
    phone.close()

    body = camera.context("admin@cert.demo")
    application = demo_application_link(open_page(body, "/certification"), number)
    camera.shoot(open_page(body, application), "certification")
    body.close()

    officer = camera.context("officer@gov.demo")
    # whole: below the counters and the (empty) alerts come the breakdowns and the chart
    camera.shoot(open_page(officer, "/supervision"), "supervision", full_page=True)
    officer.close()


def take_all(camera: Camera) -> None:
    visitor = camera.context()
    camera.shoot(open_page(visitor, "/login"), "login")
    visitor.close()

    manager = camera.context("carbon@cement.demo")
    camera.shoot(open_page(manager, "/"), "workspace")
    studies = open_page(manager, "/studies")
    camera.shoot(studies, "studies")
    study_url, result_url = demo_cement_links(studies)
    editor = open_page(manager, f"{study_url}/edit")
    # the inputs of the first process, rather than the product's header fields
    first_input = editor.locator("#model-editor input[name$='-inputs-0-amount']").first
    first_input.evaluate("el => (el.closest('fieldset') || el).scrollIntoView()")
    camera.shoot(editor, "editor")
    camera.shoot(open_page(manager, result_url), "result", full_page=True)
    camera.shoot(open_page(manager, f"{study_url}/diff"), "diff")
    camera.saved.append(report_first_page(manager, result_url, camera.out))
    search = open_page(manager, "/factors?q=电力碳足迹")
    camera.shoot(search, "factor-search")
    links = search.locator(".factor-table tbody a[href^='/factors/']")
    if links.count() == 0:
        raise RuntimeError("the factor search for 电力碳足迹 found nothing")
    detail = f"/factors/{DETAIL_FACTOR}"
    if search.locator(f"a[href='{detail}']").count() == 0:
        detail = links.first.get_attribute("href") or ""
    camera.shoot(open_page(manager, detail), "factor-detail")
    camera.shoot(open_page(manager, "/api/docs"), "api-docs")
    manager.close()

    propose_factor(camera)
    reviewer = camera.context("reviewer@tanji.demo")
    camera.shoot(open_page(reviewer, "/factors/review"), "factor-review")
    reviewer.close()

    english = camera.context("carbon@cement.demo", locale="en-GB")
    camera.shoot(open_page(english, f"{result_url}?lang=en"), "result-en", full_page=True)
    english.close()

    take_certification(camera)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: run `sh scripts/system-packages.sh test`", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tanji-screenshots-") as data_dir:
        # port 8000 when free, as `make run` serves it (the API page shows the address)
        server = start_live_server(Path(data_dir), port=8000)
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                camera = Camera(browser, server, args.out)
                take_all(camera)
                browser.close()
        finally:
            server.stop()
    total = 0
    for path in camera.saved:
        size = path.stat().st_size
        total += size
        print(
            f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}  {size / 1024:.0f} kB"
        )
    print(f"{len(camera.saved)} screenshots, {total / 1024 / 1024:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
