"""Load the shipped product rules and grading schemes, with clear errors for bad files.

Active rules live in ``tanji/data/rules/<id>.yaml``; superseded versions move to
``tanji/data/rules/archive/<id>@<version>.yaml`` so that an old study can still be
checked against the rule it was made under. A category rule inherits every section it
does not set from the rule it ``derives_from`` (usually ``general``).
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from tanji.core.errors import InvalidInput, NotFound
from tanji.core.i18n import _
from tanji.rules.schema import GradingScheme, Rule

_INHERITED = ("electricity", "allocation", "cutoff", "data_quality", "reporting", "recycling")


def data_dir() -> Path:
    return Path(str(files("tanji") / "data"))


def _read(path: Path, model: type[BaseModel]) -> Any:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidInput(
            _("YAML syntax error: {problem}.").format(problem=exc), loc=(path.name,)
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(str(first["msg"]), loc=(path.name, *first["loc"])) from None


@lru_cache(maxsize=1)
def _rules() -> tuple[dict[str, Rule], dict[str, Rule]]:
    active: dict[str, Rule] = {}
    archived: dict[str, Rule] = {}
    folder = data_dir() / "rules"
    for path in sorted(folder.glob("*.yaml")):
        rule = _read(path, Rule)
        if rule.id != path.stem:
            raise InvalidInput(
                _("The rule in {file} has id '{id}'; name the file after its id.").format(
                    file=path.name, id=rule.id
                ),
                loc=(path.name, "id"),
            )
        active[rule.id] = rule
    for path in sorted((folder / "archive").glob("*.yaml")):
        rule = _read(path, Rule)
        archived[f"{rule.id}@{rule.version}"] = rule
    return active, archived


def list_rules() -> list[Rule]:
    """The active rules, general first, then by id."""
    active, _archived = _rules()
    return sorted(active.values(), key=lambda rule: (rule.id != "general", rule.id))


def get_rule(rule_id: str, version: str | None = None) -> Rule:
    """A rule by id (active version, or an archived ``version``)."""
    active, archived = _rules()
    rule = active.get(rule_id)
    if rule is not None and (version is None or rule.version == version):
        return rule
    if version is not None and f"{rule_id}@{version}" in archived:
        return archived[f"{rule_id}@{version}"]
    raise NotFound(
        _("No product rule '{id}'{version}; `tanji rules list` shows them.").format(
            id=rule_id, version=f" {version}" if version else ""
        ),
        loc=("category",),
    )


def effective(rule: Rule) -> Rule:
    """The rule with the sections it leaves unset taken from the rule it derives from."""
    if not rule.derives_from:
        return rule
    parent = effective(get_rule(rule.derives_from))
    inherited = {
        name: getattr(parent, name) for name in _INHERITED if name not in rule.model_fields_set
    }
    if "reporting" in rule.model_fields_set:
        inherited["reporting"] = (*parent.reporting, *rule.reporting)
    return rule.model_copy(update=inherited)


@lru_cache(maxsize=1)
def _schemes() -> dict[str, GradingScheme]:
    schemes = {}
    for path in sorted((data_dir() / "grading").glob("*.yaml")):
        scheme = _read(path, GradingScheme)
        schemes[scheme.id] = scheme
    return schemes


def get_scheme(scheme_id: str) -> GradingScheme:
    scheme = _schemes().get(scheme_id)
    if scheme is None:
        raise NotFound(_("No grading scheme '{id}'.").format(id=scheme_id), loc=("grading",))
    return scheme


def list_schemes() -> list[GradingScheme]:
    return sorted(_schemes().values(), key=lambda scheme: scheme.id)
