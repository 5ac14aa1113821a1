"""The one Jinja2 environment: package templates, gettext, and the formatting filters."""

from __future__ import annotations

from functools import cache

from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape

from tanji.core.errors import TanjiError
from tanji.core.i18n import current_language, gettext, in_language, ngettext
from tanji.rules.catalogue import get_rule, list_rules
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
    env.globals["local"] = in_language
    env.globals["rule_name"] = rule_name
    env.globals["boundary_name"] = boundary_name
    return env


def rule_names() -> dict[str, str]:
    """Every product rule's name in the page language, by rule id."""
    return {rule.id: in_language(rule.names.zh, rule.names.en) for rule in list_rules()}


def rule_name(rule_id: str | None) -> str:
    """A product rule's name in the page language (its id when no such rule exists)."""
    if not rule_id:
        return ""
    try:
        names = get_rule(rule_id).names
    except TanjiError:
        return rule_id
    return in_language(names.zh, names.en)


def boundary_name(boundary: str | None) -> str:
    """A system boundary (cradle-to-gate …) in the page language."""
    from tanji.web.pages.factors import BOUNDARY_NAMES

    if not boundary:
        return ""
    return gettext(BOUNDARY_NAMES[boundary]) if boundary in BOUNDARY_NAMES else boundary


@cache
def templates() -> Jinja2Templates:
    return Jinja2Templates(env=environment())
