"""Check a study against its product rule: findings that name the clause and what to do.

Every finding has a stable ``code`` (``requirement:alumina``, ``electricity-factor`` …), a
severity (error, warning, info), the clause of the standard, where in the model it applies
and the action to take. A study with any error cannot be submitted for certification.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from tanji.core.errors import InvalidInput, format_loc
from tanji.core.gwp import canonical_gas
from tanji.core.i18n import N_, _, in_language
from tanji.core.model import DataKind, Factor, Process, ProductSystem
from tanji.core.results import Result
from tanji.core.units import conversion_factor, dimension_name
from tanji.rules.schema import Match, Rule, Text

STAGE_LABELS = {
    "raw-material-acquisition": N_("raw material acquisition"),
    "production": N_("production"),
    "distribution": N_("distribution"),
    "use": N_("use"),
    "end-of-life": N_("end of life"),
}


def stage_name(stage: str) -> str:
    """A life-cycle stage slug in the current language (unknown slugs stay as they are)."""
    return _(STAGE_LABELS[stage]) if stage in STAGE_LABELS else stage


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # error | warning | info
    clause: str
    message: str
    action: str = ""
    where: str = ""


def text(value: Text | None) -> str:
    """Rule text in the current language."""
    if value is None:
        return ""
    return in_language(value.zh, value.en)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(finding.severity == "error" for finding in findings)


def check(system: ProductSystem, result: Result, rule: Rule) -> list[Finding]:
    """All findings of ``system`` (and its ``result``) against ``rule``, errors first."""
    findings: list[Finding] = []
    meta = system.meta
    standard = rule.standard.id
    findings += _check_unit(system, rule, standard)
    boundary = meta.get("boundary", "")
    if boundary and boundary not in {b.value for b in rule.boundaries}:
        findings.append(
            Finding(
                "boundary",
                "error",
                _("{standard}, system boundary").format(standard=standard),
                _("The boundary is {found}; this rule requires {allowed}.").format(
                    found=boundary, allowed=", ".join(b.value for b in rule.boundaries)
                ),
                _("Extend or restrict the study to the required boundary."),
                "product.boundary",
            )
        )
    covered = {process.stage.value for process in system.processes}
    for stage in rule.stages:
        if stage.value not in covered:
            findings.append(
                Finding(
                    f"stage:{stage.value}",
                    "error",
                    _("{standard}, life-cycle stages").format(standard=standard),
                    _("No process covers the stage '{stage}'.").format(
                        stage=_(STAGE_LABELS[stage.value])
                    ),
                    _("Add the processes of this stage, or the inputs that stand for it."),
                    "processes",
                )
            )
    for requirement in rule.requirements:
        if not _satisfied(system, requirement.match):
            findings.append(
                Finding(
                    f"requirement:{requirement.id}",
                    requirement.severity,
                    requirement.clause,
                    _("The study has no '{name}'.").format(name=text(requirement.name)),
                    text(requirement.advice),
                    "processes",
                )
            )
    findings += _check_electricity(system, rule)
    findings += _check_allocation(system, rule)
    findings += _check_cutoffs(system, rule)
    findings += _check_data_quality(system, result, rule)
    findings += _check_period(meta, rule)
    if system.gwp_set != rule.gwp:
        findings.append(
            Finding(
                "gwp",
                "error",
                f"{standard}, GWP",
                _("The study uses {found} GWP values; the rule requires {wanted}.").format(
                    found=system.gwp_set, wanted=rule.gwp
                ),
                _("Set product.gwp to {wanted}.").format(wanted=rule.gwp),
                "product.gwp",
            )
        )
    if rule.recycling is not None:
        findings.append(
            Finding("recycling", "info", standard, text(rule.recycling), "", "processes")
        )
    for item in rule.reporting:
        findings.append(
            Finding("reporting", "info", standard, _("Report: {item}").format(item=text(item)))
        )
    order = {"error": 0, "warning": 1, "info": 2}
    return sorted(findings, key=lambda f: order[f.severity])


def _check_unit(system: ProductSystem, rule: Rule, standard: str) -> list[Finding]:
    if rule.unit is None:
        return []
    where = "product.unit"
    clause = _("{standard}, functional or declared unit").format(standard=standard)
    try:
        conversion_factor(system.unit, rule.unit.unit)
    except InvalidInput:
        return [
            Finding(
                "unit",
                "error",
                clause,
                _("The unit '{found}' ({dimension}) does not fit the rule's unit {wanted}.").format(
                    found=system.unit,
                    dimension=dimension_name(system.unit),
                    wanted=f"{rule.unit.amount:g} {rule.unit.unit}",
                ),
                _("Express the study per {wanted}.").format(
                    wanted=f"{rule.unit.amount:g} {rule.unit.unit}"
                ),
                where,
            )
        ]
    kind = system.meta.get("unit_kind", "")
    if kind and kind != rule.unit.kind:
        return [
            Finding(
                "unit-kind",
                "warning",
                clause,
                _("The study states a {found} unit; the rule uses a {wanted} unit.").format(
                    found=kind, wanted=rule.unit.kind
                ),
                "",
                "product.unit_kind",
            )
        ]
    return []


def _factor_names(factor: Factor) -> tuple[str, ...]:
    return (factor.id, factor.name, factor.flow)


def _satisfied(system: ProductSystem, match: Match) -> bool:
    stages = {stage.value for stage in match.stages}
    keywords = tuple(word.lower() for word in match.keywords)
    gases = {canonical_gas(gas) for gas in match.gases}
    for process in system.processes:
        if stages and process.stage.value not in stages:
            continue
        if gases and any(canonical_gas(e.gas) in gases for e in process.emissions):
            return True
        for item in process.inputs:
            provider = item.provider
            names = [item.id, item.name]
            if isinstance(provider, Factor):
                names += _factor_names(provider)
                if match.flows and any(
                    name.startswith(prefix)
                    for prefix in match.flows
                    for name in (provider.id, provider.flow)
                    if name
                ):
                    return True
                if gases and any(canonical_gas(g.gas) in gases for g in provider.gases):
                    return True
            else:
                names.append(provider)
            if keywords and any(
                word in name.lower() for word in keywords for name in names if name
            ):
                return True
            if match.dimensions and dimension_name(item.unit) in match.dimensions:
                return True
    return False


def _inputs(system: ProductSystem) -> Iterable[tuple[Process, int, object]]:
    for process in system.processes:
        for index, item in enumerate(process.inputs):
            yield process, index, item


def _check_electricity(system: ProductSystem, rule: Rule) -> list[Finding]:
    findings = []
    forbidden = rule.electricity.forbidden_flows
    for process, index, item in _inputs(system):
        provider = item.provider
        if not isinstance(provider, Factor):
            continue
        # a factor without a flow is still recognised by the family name in its id
        if provider.flow in forbidden or "grid-co2" in provider.id:
            findings.append(
                Finding(
                    "electricity-factor",
                    "error",
                    rule.electricity.clause or rule.standard.id,
                    _(
                        "'{factor}' is a CO2-only grid emission factor, for company inventories, "
                        "not for product footprints."
                    ).format(factor=provider.id),
                    text(rule.electricity.advice)
                    or _("Use an electricity footprint factor (life cycle, incl. T&D losses)."),
                    format_loc(item.loc) or f"processes[{process.id}].inputs[{index}]",
                )
            )
    return findings


def _check_allocation(system: ProductSystem, rule: Rule) -> list[Finding]:
    if rule.allocation is None:
        return []
    allowed = set(rule.allocation.methods)
    findings = []
    for process in system.processes:
        if len(process.outputs) < 2 or process.allocation in allowed:
            continue
        findings.append(
            Finding(
                f"allocation:{process.id}",
                "error",
                rule.allocation.clause or rule.standard.id,
                _("Process '{process}' uses {method}; this rule allows {allowed}.").format(
                    process=process.id,
                    method=process.allocation.value if process.allocation else "—",
                    allowed=", ".join(m.value for m in rule.allocation.methods),
                ),
                text(rule.allocation.advice),
                format_loc((*process.loc, "allocation")),
            )
        )
    return findings


def _check_cutoffs(system: ProductSystem, rule: Rule) -> list[Finding]:
    limits = rule.cutoff
    findings = []
    total = 0.0
    for cutoff in system.cutoffs:
        total += cutoff.share
        if cutoff.share > limits.each:
            findings.append(
                Finding(
                    "cutoff-each",
                    "error",
                    limits.clause or rule.standard.id,
                    _("Cut-off '{name}' ({share:.2%}) exceeds {limit:.2%} per input.").format(
                        name=cutoff.name, share=cutoff.share, limit=limits.each
                    ),
                    _("Include this input in the model."),
                    format_loc(cutoff.loc),
                )
            )
    if total > limits.total:
        findings.append(
            Finding(
                "cutoff-total",
                "error",
                limits.clause or rule.standard.id,
                _("Declared cut-offs total {share:.2%}, above {limit:.2%}.").format(
                    share=total, limit=limits.total
                ),
                _("Model the largest excluded inputs until the rest is within the limit."),
                "cutoffs",
            )
        )
    return findings


def _check_data_quality(system: ProductSystem, result: Result, rule: Rule) -> list[Finding]:
    quality = rule.data_quality
    stages = {stage.value for stage in quality.primary_stages}
    findings = []
    for process in system.processes:
        if process.stage.value not in stages:
            continue
        secondary = [item.id for item in process.inputs if item.data is DataKind.SECONDARY]
        secondary += [e.gas for e in process.emissions if e.data is DataKind.SECONDARY]
        if secondary:
            findings.append(
                Finding(
                    f"primary-data:{process.id}",
                    "error",
                    quality.clause or rule.standard.id,
                    _(
                        "Process '{process}' ({stage}) uses secondary data for: {items}; the rule "
                        "asks for primary (site) data here."
                    ).format(
                        process=process.id,
                        stage=_(STAGE_LABELS[process.stage.value]),
                        items=", ".join(secondary),
                    ),
                    _("Measure these amounts at the site and mark them data: primary."),
                    format_loc(process.loc),
                )
            )
    if result.primary_data_share < quality.min_primary_share:
        findings.append(
            Finding(
                "primary-share",
                "warning",
                quality.clause or rule.standard.id,
                _(
                    "Primary data cover {share:.1%} of the footprint; "
                    "the rule expects {minimum:.0%}."
                ).format(share=result.primary_data_share, minimum=quality.min_primary_share),
                _("Replace secondary factors of the largest contributors by supplier data."),
            )
        )
    return findings


def _check_period(meta: dict[str, str], rule: Rule) -> list[Finding]:
    period = meta.get("period", "")
    clause = rule.data_quality.clause or rule.standard.id
    if not period:
        return [
            Finding(
                "period",
                "warning",
                clause,
                _("The study states no reference period."),
                _("Set product.period to the 12 months the data describe."),
                "product.period",
            )
        ]
    start, _sep, end = period.partition("/")
    days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1
    if days > rule.data_quality.max_period_days:
        return [
            Finding(
                "period",
                "warning",
                clause,
                _("The reference period spans {days} days, more than {limit}.").format(
                    days=days, limit=rule.data_quality.max_period_days
                ),
                _("Use data of one recent year."),
                "product.period",
            )
        ]
    return []
