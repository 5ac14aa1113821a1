"""The rendered report: every section in both languages, and a PDF people can read.

PDF rendering takes a second or two, so each language's PDF is made once per module.
The PDF checks need poppler-utils (pdftotext, pdffonts, pdftoppm); without them the tests
are skipped, except under CI, where they fail.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from jinja2.ext import babel_extract
from markupsafe import escape
from PIL import Image, ImageStat

from tanji.core.i18n import LANGUAGES, current_language, gettext, set_language
from tanji.footprints import studies
from tanji.formatting import number
from tanji.reports.build import Report, report_from_file
from tanji.reports.render import filename, render_html, render_pdf

CEMENT = Path(__file__).resolve().parents[2] / "examples" / "portland-cement.yaml"
TEMPLATE = Path(str(files("tanji.reports") / "templates" / "report.html"))
CHAPTERS = (
    "Goal and scope",
    "Life-cycle inventory",
    "Results",
    "Interpretation",
    "Product rule and compliance",
    "Annex A: Provenance and reproduction",
    "Annex B: Reporting items of the product rule",
)
SECTIONS = (
    "Purpose of the study",
    "System boundary and life-cycle stages",
    "Geography and reference period",
    "Cut-off criteria",
    "Allocation",
    "Characterisation and data requirements",
    "Processes and inputs",
    "Direct emissions and removals",
    "Emission factors used",
    "Data quality",
    "Carbon footprint",
    "Separated figures",
    "By life-cycle stage",
    "By greenhouse gas",
    "Contributions",
    "Top contributors",
    "Hot spots",
    "Sensitivity",
    "Uncertainty",
    "Limitations and assumptions",
    "Findings",
    "Grade",
)
POPPLER = ("pdftotext", "pdffonts", "pdftoppm")


@pytest.fixture(scope="module")
def report() -> Report:
    return report_from_file(CEMENT, iterations=200, seed=11, organisation="示例水泥有限公司")


def in_language(language: str, function, *args):
    previous = current_language()
    set_language(language)
    try:
        return function(*args)
    finally:
        set_language(previous)


class TestHtml:
    @pytest.mark.parametrize("language", LANGUAGES)
    def test_every_heading_is_there(self, report: Report, language: str) -> None:
        set_language(language)
        html = render_html(report)
        for number_, heading in enumerate(CHAPTERS[:5], start=1):
            assert f"<h2>{number_} {escape(gettext(heading))}</h2>" in html, heading
        for heading in (*CHAPTERS[5:], *SECTIONS):
            assert str(escape(gettext(heading))) in html, heading

    def test_language_and_product_name(self, report: Report) -> None:
        set_language("zh_CN")
        html = render_html(report)
        assert '<html lang="zh-CN">' in html
        assert "<h1>普通硅酸盐水泥 P·O 42.5</h1>" in html
        set_language("en")
        html = render_html(report)
        assert '<html lang="en">' in html
        assert "<h1>Ordinary Portland cement P.O 42.5</h1>" in html

    def test_standalone_no_scripts_charts_inline(self, report: Report) -> None:
        html = render_html(report)
        assert "<script" not in html.lower()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
        assert html.count("<svg ") == 4
        assert "@page" in html and "size: A4" in html

    def test_numbers_go_through_the_filters(self, report: Report) -> None:
        html = render_html(report)
        assert f'<div class="value">{number(report.total)}</div>' in html
        assert "692.178864192" not in html

    def test_hot_spots_and_findings_are_listed(self, report: Report) -> None:
        html = render_html(report)
        hot = html.split(gettext("Hot spots"), 1)[1].split(gettext("Sensitivity"), 1)[0]
        assert "Kiln coal" in hot and "Road transport of coal" not in hot
        for finding in report.errors:
            assert str(escape(finding["message"])) in html

    def test_a_fresh_template_renders_without_emissions(self, tmp_path: Path) -> None:
        path = tmp_path / "template.yaml"
        path.write_text(studies.get_template("cement").model, encoding="utf-8")
        fresh = report_from_file(path, iterations=0)
        assert fresh.total == 0
        html = render_html(fresh)
        assert html.count("No emissions yet") >= 3  # stage, gas and contribution charts
        assert "No Monte Carlo run" in html
        assert "The study has no emissions yet" in html

    def test_filename_names_product_version_and_language(self, report: Report) -> None:
        assert filename(report, "pdf") == "portland-cement-po42-5-en.pdf"
        assert in_language("zh_CN", filename, report, "pdf") == "portland-cement-po42-5-zh.pdf"


def test_template_messages_survive_percent_formatting() -> None:
    """Jinja's newstyle gettext %-formats every message: a bare % in a translation breaks it."""
    with TEMPLATE.open("rb") as handle:
        found = list(
            babel_extract(
                handle,
                ("_", "gettext", "ngettext"),
                [],
                {"extensions": "jinja2.ext.i18n", "trim_blocks": "1", "lstrip_blocks": "1"},
            )
        )
    assert len(found) > 100
    localedir = str(files("tanji") / "locale")
    stray = re.compile(r"%(?![(%])")
    for language in LANGUAGES:
        catalogue = stdlib_gettext.translation("tanji", localedir, [language], fallback=True)
        for _line, _function, message, _comments in found:
            for msgid in message if isinstance(message, tuple) else (message,):
                if msgid:
                    assert not stray.search(msgid), msgid
                    assert not stray.search(catalogue.gettext(msgid)), (language, msgid)


# --- PDF ------------------------------------------------------------------------------------


def need_poppler() -> None:
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        message = f"poppler-utils is not installed (missing {', '.join(missing)})"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must install poppler-utils")
        pytest.skip(message)


@pytest.fixture(scope="module")
def pdfs(report: Report, tmp_path_factory) -> Iterator[dict[str, Path]]:
    folder = tmp_path_factory.mktemp("pdf")
    made = {}
    for language in LANGUAGES:
        path = folder / f"report-{language}.pdf"
        path.write_bytes(in_language(language, render_pdf, report))
        made[language] = path
    yield made


def run(*args: str | Path) -> str:
    return subprocess.run(
        [str(a) for a in args], check=True, capture_output=True, text=True, timeout=60
    ).stdout


class TestPdf:
    def test_is_a_pdf(self, pdfs: dict[str, Path]) -> None:
        for path in pdfs.values():
            assert path.read_bytes()[:5] == b"%PDF-"

    @pytest.mark.parametrize("language", LANGUAGES)
    def test_text_holds_headings_product_and_total(
        self, report: Report, pdfs: dict[str, Path], language: str
    ) -> None:
        need_poppler()
        text = run("pdftotext", "-layout", pdfs[language], "-")
        set_language(language)
        for heading in CHAPTERS:
            assert gettext(heading) in text, heading
        assert "普通硅酸盐水泥 P·O 42.5" in text
        assert number(report.total) in text
        assert re.search(r"\b1 / \d+\b", text)  # page numbers in the footer

    def test_chinese_report_embeds_a_cjk_font(self, pdfs: dict[str, Path]) -> None:
        need_poppler()
        listing = run("pdffonts", pdfs["zh_CN"]).splitlines()[2:]
        embedded = {}
        for line in listing:
            match = re.match(r"^(\S+)\s.*?\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", line)
            assert match, line
            embedded[match.group(1)] = match.group(2) == "yes"
        cjk = [name for name in embedded if "CJK" in name]
        assert cjk and all(embedded[name] for name in cjk), listing

    def test_first_page_is_not_blank(self, pdfs: dict[str, Path], tmp_path: Path) -> None:
        need_poppler()
        run("pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", pdfs["zh_CN"], tmp_path / "p")
        (page,) = tmp_path.glob("p*.png")
        with Image.open(page) as image:
            grey = image.convert("L")
            assert grey.size[0] > 300 and grey.size[1] > 400  # A4 at 50 dpi: 413 × 585
            assert ImageStat.Stat(grey).stddev[0] > 10
