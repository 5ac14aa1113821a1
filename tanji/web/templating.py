"""The one Jinja2 environment: package templates, gettext, and the formatting filters."""

from __future__ import annotations

from functools import cache

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

from tanji.core.i18n import current_language, gettext, ngettext
from tanji.web.formatting import FILTERS


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tanji.web", "templates"),
        autoescape=select_autoescape(("html", "svg", "xml")),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(FILTERS)
    env.globals["current_language"] = current_language
    return env


@cache
def templates() -> Jinja2Templates:
    return Jinja2Templates(env=environment())
