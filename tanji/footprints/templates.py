"""Study templates: a model skeleton per product rule that a new study starts from.

A template is a valid tanji-model/1 file whose product carries the rule's category,
declared unit (声明单位), boundary and GWP set. It has one process per life-cycle stage
the rule requires, chained so that every stage is entered per declared unit, and one
input per required item with amount 0: the user fills the amounts and the template
calculates (total 0) from the first moment.

The factor of an item comes from the item's ``match.flows`` in the seed factor table: the
first family prefix with a factor wins, then the factor for China (CN, then a Chinese
region, then GLO), then the most recent year, then table order; CO2-only grid factors
(forbidden in product footprints) are never chosen. ``tanji/data/templates/templates.yaml``
names the factor instead where the rule gives no family. Items that are direct gases
become emissions of amount 0.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from itertools import pairwise
from typing import Any

import yaml

from tanji.core.errors import InvalidInput, NotFound
from tanji.core.i18n import _, current_language, in_language
from tanji.core.model import Boundary, Stage
from tanji.factors.resolve import SeedTable
from tanji.factors.rows import FactorData
from tanji.rules.catalogue import effective, get_rule, list_rules
from tanji.rules.schema import Requirement, Rule

FORMAT = "tanji-model/1"
DEFAULT_UNIT = ("piece", 1.0)  # the general rule declares no unit


@dataclass(frozen=True)
class TemplateData:
    stages: dict[str, dict[str, str]]
    material_categories: frozenset[str]
    factors: dict[str, tuple[str, bool]]  # "rule/requirement" → (slug, proxy)


@lru_cache(maxsize=1)
def template_data() -> TemplateData:
    """The stage names, material categories and chosen factors of the templates."""
    path = files("tanji") / "data" / "templates" / "templates.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return TemplateData(
        stages=raw["stages"],
        material_categories=frozenset(raw["material_categories"]),
        factors={
            key: (entry["factor"], bool(entry.get("proxy", False)))
            for key, entry in raw["factors"].items()
        },
    )


def _geography_rank(geography: str) -> int:
    if geography == "CN":
        return 0
    if geography.startswith("CN-"):
        return 1
    return 2 if geography == "GLO" else 3


def _forbidden(item: FactorData, rule: Rule) -> bool:
    return item.flow in rule.electricity.forbidden_flows or "grid-co2" in item.slug


def choose_factor(rule: Rule, requirement: Requirement) -> tuple[FactorData, bool] | None:
    """The seed factor for a required item, and whether it is only a stand-in."""
    table = SeedTable().records
    named = template_data().factors.get(f"{rule.id}/{requirement.id}")
    if named is not None:
        slug, proxy = named
        if slug not in table:
            raise InvalidInput(
                _("The template factor '{slug}' is not in the seed factor table.").format(
                    slug=slug
                ),
                loc=("templates.yaml", "factors", f"{rule.id}/{requirement.id}"),
            )
        return table[slug], proxy
    order = {slug: index for index, slug in enumerate(table)}
    for prefix in requirement.match.flows:
        found = [
            item
            for item in table.values()
            if (item.slug.startswith(prefix) or item.flow.startswith(prefix))
            and not _forbidden(item, rule)
        ]
        if found:
            best = min(
                found,
                key=lambda item: (
                    _geography_rank(item.geography),
                    -(item.year or 0),
                    order[item.slug],
                ),
            )
            return best, False
    return None


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _stage_of(candidates: list[Stage], present: list[Stage]) -> Stage:
    """Production if it is among ``candidates``, else the first of them present."""
    usable = [stage for stage in candidates if stage in present]
    if Stage.PRODUCTION in usable:
        return Stage.PRODUCTION
    return (
        usable[0] if usable else (Stage.PRODUCTION if Stage.PRODUCTION in present else present[0])
    )


def _stages(rule: Rule) -> list[Stage]:
    wanted = set(rule.stages) or {Stage.PRODUCTION}
    for requirement in rule.requirements:
        stages = requirement.match.stages
        if stages and not wanted & set(stages):
            wanted.add(Stage.PRODUCTION if Stage.PRODUCTION in stages else stages[0])
    return [stage for stage in Stage if stage in wanted]


def _boundary(rule: Rule, stages: list[Stage]) -> Boundary:
    allowed = rule.boundaries
    grave = Stage.USE in stages or Stage.END_OF_LIFE in stages
    if grave and Boundary.CRADLE_TO_GRAVE in allowed:
        return Boundary.CRADLE_TO_GRAVE
    if Boundary.CRADLE_TO_GATE in allowed:
        return Boundary.CRADLE_TO_GATE
    return allowed[0]


def _names(text: Any) -> dict[str, str]:
    return {"zh": text.zh, "en": text.en}


def build_model(rule: Rule) -> dict[str, Any]:
    """The template model of a rule, as a tanji-model/1 mapping."""
    rule = effective(rule)
    data = template_data()
    unit_name, unit_amount = (
        (rule.unit.unit, rule.unit.amount) if rule.unit is not None else DEFAULT_UNIT
    )
    stages = _stages(rule)
    chain = [stage for stage in stages if stage is not Stage.END_OF_LIFE] or stages
    reference = chain[-1]
    processes: dict[Stage, dict[str, Any]] = {}
    for stage in stages:
        processes[stage] = {
            "id": stage.value,
            "name": dict(data.stages[stage.value]),
            "stage": stage.value,
            "outputs": [{"id": f"{stage.value}-output", "amount": 1, "unit": unit_name}],
            "inputs": [],
            "emissions": [],
        }
    for previous, stage in pairwise(chain):
        processes[stage]["inputs"].append(
            {
                "id": previous.value,
                "name": dict(data.stages[previous.value]),
                "amount": 1,
                "unit": unit_name,
                "from": previous.value,
                "source": _(
                    "Every stage is entered per declared unit: one unit of the previous "
                    "stage goes in."
                ),
            }
        )
    if Stage.END_OF_LIFE in processes and reference is not Stage.END_OF_LIFE:
        processes[reference]["inputs"].append(
            {
                "id": Stage.END_OF_LIFE.value,
                "name": dict(data.stages[Stage.END_OF_LIFE.value]),
                "amount": 1,
                "unit": unit_name,
                "from": Stage.END_OF_LIFE.value,
                "source": _("The end-of-life treatment of one declared unit."),
            }
        )
    for requirement in rule.requirements:
        match = requirement.match
        if match.gases:
            stage = _stage_of(list(match.stages), stages)
            for gas in match.gases:
                processes[stage]["emissions"].append(
                    {
                        "gas": gas,
                        "amount": 0,
                        "unit": "kg",
                        "source": _(
                            "{item}: fill in the {gas} emitted per declared unit and how it "
                            "was measured or calculated."
                        ).format(item=_text(requirement.name), gas=gas),
                    }
                )
            continue
        chosen = choose_factor(rule, requirement)
        if chosen is None:
            raise InvalidInput(
                _(
                    "No factor for the item '{item}' of rule {rule}: name one in "
                    "tanji/data/templates/templates.yaml."
                ).format(item=requirement.id, rule=rule.id),
                loc=("templates.yaml", "factors", f"{rule.id}/{requirement.id}"),
            )
        factor, proxy = chosen
        if match.stages:
            stage = _stage_of(list(match.stages), stages)
        elif factor.category in data.material_categories and Stage.RAW_MATERIAL in stages:
            stage = Stage.RAW_MATERIAL
        else:
            stage = _stage_of([Stage.PRODUCTION], stages)
        if proxy:
            note = _(
                "Fill in the amount per declared unit and where it comes from. The factor "
                "table has no factor for this item: {factor} only stands in, so replace it "
                "with the supplier's footprint or a better factor."
            ).format(factor=factor.slug)
        else:
            note = _(
                "Fill in the amount per declared unit and where it comes from. The factor "
                "{factor} is a suggestion: change it if a better one fits."
            ).format(factor=factor.slug)
        processes[stage]["inputs"].append(
            {
                "id": requirement.id,
                "name": _names(requirement.name),
                "amount": 0,
                "unit": factor.unit,
                "factor": factor.slug,
                "source": note,
            }
        )
    product = {
        "id": f"{rule.id}-product",
        "name": _names(rule.names),
        "category": rule.id,
        "unit": {"amount": _number(unit_amount), "unit": unit_name},
        "unit_kind": rule.unit.kind if rule.unit is not None else "declared",
        "boundary": _boundary(rule, stages).value,
        "geography": "CN",
        "gwp": rule.gwp,
        "reference": reference.value,
        "description": _(
            "Study template of the rule {rule} ({standard}): replace the zero amounts with "
            "your data and check the suggested factors."
        ).format(rule=rule.id, standard=rule.standard.id),
    }
    cleaned = []
    for stage in stages:
        process = processes[stage]
        for key in ("inputs", "emissions"):
            if not process[key]:
                del process[key]
        cleaned.append(process)
    return {"format": FORMAT, "product": product, "processes": cleaned}


def _text(value: Any) -> str:
    return in_language(value.zh, value.en)


def render(rule: Rule, model: dict[str, Any]) -> str:
    """The template as YAML text, with a comment saying what it is."""
    header = _("# Study template for the rule {rule} {version}: {name}").format(
        rule=rule.id, version=rule.version, name=_text(rule.names)
    )
    body = yaml.safe_dump(model, allow_unicode=True, sort_keys=False, width=100)
    return f"{header}\n{body}"


@lru_cache(maxsize=8)
def _built(language: str) -> dict[str, tuple[Rule, dict[str, Any], str]]:
    del language  # the cache key: notes and the header are in the interface language
    built = {}
    for rule in list_rules():
        model = build_model(rule)
        built[rule.id] = (rule, model, render(rule, model))
    return built


def rendered_templates() -> dict[str, tuple[Rule, str]]:
    """Every rule's template text, by rule id (general first)."""
    return {key: (rule, text) for key, (rule, _model, text) in _built(current_language()).items()}


def _find(rule_id: str) -> tuple[Rule, dict[str, Any], str]:
    found = _built(current_language()).get(rule_id)
    if found is None:
        get_rule(rule_id)  # raises NotFound with the usual message
        raise NotFound(_("No template for the rule '{id}'.").format(id=rule_id))
    return found


def template_text(rule_id: str) -> tuple[Rule, str]:
    """One rule's template text; NotFound names the rules that exist."""
    rule, _model, text = _find(rule_id)
    return rule, text


def template_model(rule_id: str) -> dict[str, Any]:
    """One rule's template as a fresh mapping (the caller may change it)."""
    return copy.deepcopy(_find(rule_id)[1])
