"""Render a study report as a standalone HTML document or as a PDF (WeasyPrint, A4).

The language is the current gettext language (:func:`tanji.core.i18n.set_language`);
numbers and dates go through the same filters as the pages (:mod:`tanji.formatting`).
The HTML carries its CSS and its charts (inline SVG), so it opens offline and prints.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from tanji.core.allocation import method_label
from tanji.core.i18n import N_, current_language, gettext, in_language, ngettext
from tanji.core.quality import INDICATORS, level_label
from tanji.formatting import FILTERS
from tanji.reports import charts
from tanji.reports.build import Names, Report

BOUNDARY_LABELS = {
    "cradle-to-gate": N_("cradle-to-gate"),
    "cradle-to-grave": N_("cradle-to-grave"),
    "gate-to-gate": N_("gate-to-gate"),
}
SEVERITY_LABELS = {"error": N_("error"), "warning": N_("warning"), "info": N_("info")}
ORIGIN_LABELS = {
    "fossil": N_("fossil"),
    "biogenic": N_("biogenic"),
    "dluc": N_("direct land-use change"),
}
DATA_LABELS = {"primary": N_("primary"), "secondary": N_("secondary")}
INDICATOR_LABELS = {
    "reliability": N_("reliability"),
    "completeness": N_("completeness"),
    "temporal": N_("temporal correlation"),
    "geographical": N_("geographical correlation"),
    "technological": N_("technological correlation"),
}
# Labels whose translations hold a literal "%": Jinja's newstyle gettext would %-format
# them, so the template shows them through the plain ``t`` filter.
STATISTICS = (
    ("mean", N_("Mean")),
    ("median", N_("Median")),
    ("std", N_("Standard deviation")),
    ("p2_5", N_("2.5th percentile")),
    ("p97_5", N_("97.5th percentile")),
)
STANDARD_KINDS = {
    "national": N_("national standard"),
    "industry": N_("industry standard"),
    "group": N_("group standard"),
    "local": N_("local standard"),
    "derived": N_("derived from the general standard (no product standard published)"),
}


def pick(names: Names | Any) -> str:
    """A bilingual name in the current language, else the other one."""
    zh = getattr(names, "zh", "") or ""
    en = getattr(names, "en", "") or ""
    return in_language(zh, en)


def other(names: Names | Any) -> str:
    """The name in the other language, when it differs (shown in small print)."""
    zh = getattr(names, "zh", "") or ""
    en = getattr(names, "en", "") or ""
    shown = pick(names)
    rest = en if shown == zh else zh
    return rest if rest and rest != shown else ""


def _label(table: dict[str, str]):
    def lookup(key: Any) -> str:
        text = str(key or "")
        return gettext(table[text]) if text in table else text

    return lookup


def css_string(value: Any) -> Markup:
    """A CSS string literal (for @page margin boxes), quotes and backslashes escaped."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    text = text.replace("<", "\\3C ").replace(">", "\\3E ")
    return Markup(f'"{text}"')


def pedigree(scores: tuple[int, ...] | None) -> str:
    return "-".join(str(s) for s in scores) if scores else "—"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tanji.reports", "templates"),
        autoescape=select_autoescape(("html", "svg", "xml")),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(FILTERS)
    env.filters.update(
        {
            "css_string": css_string,
            "pedigree": pedigree,
            "stage": charts.stage_name,
            "gas": charts.gas_name,
            "gas_formula": lambda gas: charts.GAS_LABELS.get(str(gas), str(gas)),
            "boundary": _label(BOUNDARY_LABELS),
            "severity": _label(SEVERITY_LABELS),
            "origin": _label(ORIGIN_LABELS),
            "datakind": _label(DATA_LABELS),
            "indicator": _label(INDICATOR_LABELS),
            "standard_kind": _label(STANDARD_KINDS),
            "level": level_label,
            "method": method_label,
            "amount": charts.amount_text,
            "t": gettext,
        }
    )
    env.globals.update(
        {
            "pick": pick,
            "other": other,
            "current_language": current_language,
            "INDICATORS": INDICATORS,
            "STATISTICS": STATISTICS,
            "STAGES": tuple(charts.STAGE_LABELS),
        }
    )
    return env


def _charts(report: Report) -> dict[str, Markup]:
    result = report.result
    return {
        "stages": Markup(charts.stage_chart(result)),
        "gases": Markup(charts.gas_chart(result)),
        "contributions": Markup(charts.contribution_chart(result)),
        "uncertainty": Markup(charts.uncertainty_chart(result)),
    }


def render_html(report: Report) -> str:
    """The report as one standalone HTML document (embedded CSS and SVG, no scripts)."""
    template = environment().get_template("report.html")
    lang = "zh-CN" if current_language() == "zh_CN" else "en"
    return template.render(r=report, charts=_charts(report), lang=lang)


def render_pdf(report: Report) -> bytes:
    """The report as an A4 PDF with page numbers and a running header (WeasyPrint)."""
    from weasyprint import HTML  # imported late: it loads fonts and Pango on import

    return HTML(string=render_html(report)).write_pdf()


def filename(report: Report, extension: str) -> str:
    """``<product>-v<version>-<lang>.<ext>``: a download name that says what it holds."""
    base = report.product_id or "report"
    version = f"-v{report.version_number}" if report.version_number is not None else ""
    lang = "zh" if current_language() == "zh_CN" else "en"
    safe = "".join(ch if (ch.isascii() and ch.isalnum()) or ch in "-_." else "-" for ch in base)
    safe = safe.strip("-.")
    return f"{safe or 'report'}{version}-{lang}.{extension}"


__all__ = ["filename", "render_html", "render_pdf"]
