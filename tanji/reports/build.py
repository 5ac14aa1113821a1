"""Assemble a study report's content from a model, its result and its product rule.

A :class:`ReportInput` is everything a report is made from (the model dict, the result
dict with its ``rule_check``, the rule and the provenance); :func:`assemble` turns it into
a :class:`Report`, plain data laid out as GB/T 24067-2024 §8 / ISO 14067 §7 asks (goal and
scope, inventory, results, interpretation, rule statement, provenance annex). Labels are
translated when the report is rendered, in the language current at that time.

Two builders feed it: :func:`report_from_file` for a model file (the CLI, like ``tanji
calc``) and :func:`report_for_calculation` for a stored calculation on the platform.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tanji import __version__
from tanji.accounts.models import Organisation
from tanji.accounts.policy import Actor
from tanji.core.errors import NotFound
from tanji.core.quality import INDICATORS
from tanji.factors.resolve import FactorResolver, SeedTable
from tanji.footprints import modelfile, service, studies
from tanji.footprints.models import Product
from tanji.rules.catalogue import effective, get_rule
from tanji.rules.schema import Rule
from tanji.rules.service import check_study, report_to_dict

HOT_SPOT_SHARE = 0.05  # contributors at or above this share of the total are hot spots
TOP_CONTRIBUTORS = 10
TOP_SENSITIVITY = 10


@dataclass(frozen=True)
class ReportInput:
    """What a report is made from; every field is plain data (no ORM objects)."""

    model: dict[str, Any]  # the tanji-model/1 structure
    result: dict[str, Any]  # Result.to_dict() plus "rule_check"
    rule: Rule
    organisation_zh: str = ""
    organisation_en: str = ""
    product_name_zh: str = ""
    product_name_en: str = ""
    study_title: str = ""
    version_number: int | None = None
    calculation_id: str = ""
    calculated_at: dt.datetime | None = None
    factor_release: str = ""
    engine_version: str = ""
    input_hash: str = ""
    iterations: int = 0
    seed: int | None = None
    source_name: str = ""  # the model file a CLI report was made from
    rule_note: str = ""  # why the rule differs from the model's category, if it does


@dataclass(frozen=True)
class Names:
    """A name in Chinese and English (either may be empty)."""

    zh: str = ""
    en: str = ""


@dataclass(frozen=True)
class InputEntry:
    id: str
    name: Names
    amount: float
    unit: str
    provider_kind: str  # factor | inline | flow | process | none
    provider: str  # factor id, flow id, or the id of the supplying process
    provider_detail: str  # inline value ("0.5 kg CO2e/t"), flow region and year, …
    factor_id: str | None  # the id in Report.factors, when known
    data: str  # primary | secondary
    pedigree: tuple[int, ...] | None
    uncertainty: str
    source: str
    value: float | None  # kg CO2e per declared unit contributed by this input
    share: float | None
    aircraft: bool = False


@dataclass(frozen=True)
class EmissionEntry:
    gas: str
    amount: float
    unit: str
    origin: str  # fossil | biogenic | dluc
    removal: bool
    data: str
    pedigree: tuple[int, ...] | None
    source: str


@dataclass(frozen=True)
class ProcessEntry:
    id: str
    name: Names
    stage: str
    allocation: str | None
    outputs: tuple[dict[str, Any], ...]
    inputs: tuple[InputEntry, ...]
    emissions: tuple[EmissionEntry, ...]
    value: float | None  # kg CO2e per declared unit (direct emissions plus factor inputs)
    share: float | None
    source: str = ""


@dataclass(frozen=True)
class FactorEntry:
    id: str
    name: str
    unit: str
    gases: tuple[tuple[str, float], ...]  # kg of gas (or kg CO2e) per unit
    source: str
    release: str
    version: int | None
    resolution: str


@dataclass(frozen=True)
class Contributor:
    """One input's (or one process's direct emissions') part of the footprint."""

    key: str
    process: Names
    input: Names | None  # None: the process's direct emissions
    stage: str
    value: float  # kg CO2e per declared unit
    share: float


@dataclass(frozen=True)
class CutoffEntry:
    name: Names
    share: float
    reason: str


@dataclass(frozen=True)
class Report:
    """The content of a study report, in the order GB/T 24067-2024 sets it out."""

    report_id: str
    title: str
    organisation: Names
    product: Names
    product_id: str
    category: str
    description: str
    unit_amount: float
    unit: str
    unit_kind: str  # declared | functional
    boundary: str
    geography: str
    period_start: str
    period_end: str
    gwp_set: str
    reference_process: str
    issued: dt.datetime | None
    version_number: int | None
    calculation_id: str
    source_name: str
    # Goal and scope
    rule: Rule
    rule_note: str
    stages: tuple[str, ...]  # the stages the model covers, in life-cycle order
    cutoff_each: float
    cutoff_total: float
    cutoffs: tuple[CutoffEntry, ...]
    cutoff_declared: float
    cutoff_problems: tuple[str, ...]
    allocation: tuple[dict[str, Any], ...]  # per multi-output process: method and shares
    # Inventory
    processes: tuple[ProcessEntry, ...]
    factors: tuple[FactorEntry, ...]
    quality: dict[str, Any] | None
    primary_share: float
    # Results
    total: float
    separated: dict[str, float]
    by_stage: tuple[dict[str, Any], ...]
    by_gas: tuple[dict[str, Any], ...]
    gas_mass: dict[str, float]
    by_process: tuple[dict[str, Any], ...]
    top_contributors: tuple[Contributor, ...]
    # Interpretation
    hot_spots: tuple[Contributor, ...]
    sensitivity: tuple[dict[str, Any], ...]
    uncertainty: dict[str, Any] | None
    secondary_inputs: tuple[tuple[Names, InputEntry], ...]  # (process name, input) pairs
    # Rule statement
    findings: tuple[dict[str, Any], ...]
    grade: dict[str, Any] | None
    submittable: bool
    rule_checked: str  # rule id and version the stored check used
    # Provenance
    input_hash: str
    engine_version: str
    tanji_version: str
    factor_release: str
    iterations: int
    seed: int | None
    result: dict[str, Any] = field(repr=False)  # for the charts

    @property
    def errors(self) -> tuple[dict[str, Any], ...]:
        return tuple(f for f in self.findings if f.get("severity") == "error")

    @property
    def warnings(self) -> tuple[dict[str, Any], ...]:
        return tuple(f for f in self.findings if f.get("severity") == "warning")

    @property
    def infos(self) -> tuple[dict[str, Any], ...]:
        return tuple(f for f in self.findings if f.get("severity") == "info")

    @property
    def secondary_share(self) -> float:
        """Share of the footprint not from primary data (0 when there is no footprint)."""
        return 1.0 - self.primary_share if self.total or self.primary_share else 0.0


# --- Assembly ----------------------------------------------------------------------------


def _names(value: Any) -> Names:
    if isinstance(value, Mapping):
        return Names(str(value.get("zh") or ""), str(value.get("en") or ""))
    if value:
        return Names(str(value), str(value))
    return Names()


def _float(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _pedigree(quality: Any) -> tuple[int, ...] | None:
    if not isinstance(quality, Mapping):
        return None
    return tuple(int(quality.get(name, 3)) for name in INDICATORS)


def _uncertainty(spec: Any) -> str:
    """A distribution as a short formula: ``lognormal GSD 1.15``, ``uniform 0.78–0.82``."""
    if not isinstance(spec, Mapping):
        return ""
    kind = str(spec.get("distribution", ""))
    if kind == "lognormal" and spec.get("gsd") is not None:
        return f"lognormal GSD {spec['gsd']:g}"
    if kind == "normal" and spec.get("sd") is not None:
        return f"normal SD {spec['sd']:g}"
    if spec.get("min") is not None and spec.get("max") is not None:
        return f"{kind} {spec['min']:g}–{spec['max']:g}"
    return kind


def _provider(
    item: Mapping[str, Any], where: str, factor_ids: set[str]
) -> tuple[str, str, str, str | None]:
    """(kind, reference, detail, factor id in the report) of an input's supplier."""
    factor = item.get("factor")
    if isinstance(factor, str):
        return "factor", factor, "", factor if factor in factor_ids else None
    if isinstance(factor, Mapping) and "flow" in factor:
        detail = " ".join(str(factor[k]) for k in ("geography", "year") if factor.get(k))
        return "flow", str(factor["flow"]), detail, None
    if isinstance(factor, Mapping):
        ident = f"inline:{where}.factor"
        gas, unit = factor.get("gas", "CO2e"), factor.get("unit", "")
        detail = f"{_float(factor.get('value')):g} kg {gas}/{unit}"
        return (
            "inline",
            str(factor.get("name") or ""),
            detail,
            ident if ident in factor_ids else None,
        )
    if item.get("from"):
        return "process", str(item["from"]), "", None
    return "none", "", "", None


def _tree_names(node: Any, names: dict[str, str]) -> None:
    if not isinstance(node, Mapping):
        return
    if node.get("id") and node.get("name") and not node.get("children"):
        names.setdefault(str(node["id"]), str(node["name"]))
    for child in node.get("children") or ():
        _tree_names(child, names)


def _period(product: Mapping[str, Any], result: Mapping[str, Any]) -> tuple[str, str]:
    period = product.get("period")
    if isinstance(period, Mapping):
        return str(period.get("start") or ""), str(period.get("end") or "")
    text = str((result.get("meta") or {}).get("period") or "")
    start, _sep, end = text.partition("/")
    return start, end


def assemble(data: ReportInput) -> Report:
    """The report's content: sections of plain data, ready for :mod:`tanji.reports.render`."""
    model, result, rule = data.model, data.result, data.rule
    product = model.get("product") or {}
    meta = result.get("meta") or {}
    total = _float(result.get("total"))
    factors_used = [f for f in result.get("factors") or () if isinstance(f, Mapping)]
    factor_ids = {str(f.get("id")) for f in factors_used}
    tree_names: dict[str, str] = {}
    _tree_names(result.get("tree"), tree_names)
    by_input = {str(c.get("key")): c for c in result.get("by_input") or ()}
    by_process = {str(c.get("key")): c for c in result.get("by_process") or ()}
    allocation = {str(a.get("process")): a for a in result.get("allocation") or ()}

    processes: list[ProcessEntry] = []
    secondary: list[tuple[str, InputEntry]] = []
    for p_index, process in enumerate(model.get("processes") or ()):
        pid = str(process.get("id", ""))
        pname = _names(process.get("name"))
        inputs = []
        for i_index, item in enumerate(process.get("inputs") or ()):
            where = f"processes[{p_index}].inputs[{i_index}]"
            kind, ref, detail, factor_id = _provider(item, where, factor_ids)
            contribution = by_input.get(f"{pid}/{item.get('id', '')}")
            entry = InputEntry(
                id=str(item.get("id", "")),
                name=_names(item.get("name") or item.get("id")),
                amount=_float(item.get("amount")),
                unit=str(item.get("unit", "")),
                provider_kind=kind,
                provider=ref,
                provider_detail=detail,
                factor_id=factor_id,
                data=str(item.get("data") or "primary"),
                pedigree=_pedigree(item.get("quality")),
                uncertainty=_uncertainty(item.get("uncertainty")),
                source=str(item.get("source") or ""),
                value=_float(contribution.get("value")) if contribution else None,
                share=_float(contribution.get("share")) if contribution else None,
                aircraft=bool(item.get("aircraft")),
            )
            inputs.append(entry)
            if entry.data == "secondary":
                secondary.append((pid, entry))
        emissions = [
            EmissionEntry(
                gas=str(e.get("gas", "")),
                amount=_float(e.get("amount")),
                unit=str(e.get("unit") or "kg"),
                origin=str(e.get("origin") or ("biogenic" if removal else "fossil")),
                removal=removal,
                data=str(e.get("data") or "primary"),
                pedigree=_pedigree(e.get("quality")),
                source=str(e.get("source") or ""),
            )
            for key, removal in (("emissions", False), ("removals", True))
            for e in process.get(key) or ()
        ]
        contribution = by_process.get(pid)
        processes.append(
            ProcessEntry(
                id=pid,
                name=pname,
                stage=str(process.get("stage") or "production"),
                allocation=(allocation.get(pid) or {}).get("method") or process.get("allocation"),
                outputs=tuple(dict(o) for o in process.get("outputs") or ()),
                inputs=tuple(inputs),
                emissions=tuple(emissions),
                value=_float(contribution.get("value")) if contribution else None,
                share=_float(contribution.get("share")) if contribution else None,
                source=str(process.get("source") or ""),
            )
        )

    factors = tuple(
        FactorEntry(
            id=str(f.get("id")),
            name=tree_names.get(str(f.get("id")), ""),
            unit=str(f.get("unit") or ""),
            gases=tuple((str(g), _float(v)) for g, v in (f.get("gases") or {}).items()),
            source=str(f.get("source") or ""),
            release=str(f.get("release") or ""),
            version=f.get("version"),
            resolution=str(f.get("resolution") or ""),
        )
        for f in factors_used
    )
    order = ["raw-material-acquisition", "production", "distribution", "use", "end-of-life"]
    covered = {p.stage for p in processes}
    stages = tuple(s for s in order if s in covered) + tuple(sorted(covered - set(order)))
    cutoffs = result.get("cutoffs") or {}
    limits = product.get("cutoff_limits") or {}
    check = result.get("rule_check") or {}
    by_input_sorted = sorted(
        (
            _contributor(c, processes)
            for c in result.get("by_input") or ()
            if isinstance(c, Mapping)
        ),
        key=lambda c: -abs(c.value),
    )
    start, end = _period(product, result)
    unit = product.get("unit") or {}
    name = _names(product.get("name"))
    return Report(
        report_id=_report_id(data),
        title=data.study_title,
        organisation=Names(data.organisation_zh, data.organisation_en),
        product=Names(
            data.product_name_zh or name.zh or str(meta.get("name_zh") or ""),
            data.product_name_en or name.en or str(meta.get("name_en") or ""),
        ),
        product_id=str(product.get("id") or meta.get("product_id") or ""),
        category=str(product.get("category") or meta.get("category") or ""),
        description=str(product.get("description") or "").strip(),
        unit_amount=_float(unit.get("amount"), _float(result.get("amount"), 1.0)),
        unit=str(unit.get("unit") or result.get("unit") or ""),
        unit_kind=str(product.get("unit_kind") or meta.get("unit_kind") or "declared"),
        boundary=str(product.get("boundary") or meta.get("boundary") or ""),
        geography=str(product.get("geography") or meta.get("geography") or ""),
        period_start=start,
        period_end=end,
        gwp_set=str(result.get("gwp_set") or product.get("gwp") or "AR6"),
        reference_process=str(product.get("reference") or result.get("product") or ""),
        issued=data.calculated_at,
        version_number=data.version_number,
        calculation_id=data.calculation_id,
        source_name=data.source_name,
        rule=rule,
        rule_note=data.rule_note,
        stages=stages,
        cutoff_each=_float(cutoffs.get("limit_each"), _float(limits.get("each"), 0.01)),
        cutoff_total=_float(cutoffs.get("limit_total"), _float(limits.get("total"), 0.05)),
        cutoffs=tuple(
            CutoffEntry(_names(c.get("name")), _float(c.get("share")), str(c.get("reason") or ""))
            for c in model.get("cutoffs") or ()
        ),
        cutoff_declared=_float(cutoffs.get("declared_total")),
        cutoff_problems=tuple(str(p) for p in cutoffs.get("problems") or ()),
        allocation=tuple(dict(a) for a in result.get("allocation") or ()),
        processes=tuple(processes),
        factors=factors,
        quality=result.get("quality") if isinstance(result.get("quality"), Mapping) else None,
        primary_share=_float(result.get("primary_data_share")),
        total=total,
        separated={k: _float(v) for k, v in (result.get("separated") or {}).items()},
        by_stage=tuple(result.get("by_stage") or ()),
        by_gas=tuple(result.get("by_gas") or ()),
        gas_mass={k: _float(v) for k, v in (result.get("gas_mass") or {}).items()},
        by_process=tuple(result.get("by_process") or ()),
        top_contributors=tuple(by_input_sorted[:TOP_CONTRIBUTORS]),
        hot_spots=tuple(c for c in by_input_sorted if total and abs(c.share) >= HOT_SPOT_SHARE),
        sensitivity=tuple(
            sorted(
                (s for s in result.get("sensitivity") or () if isinstance(s, Mapping)),
                key=lambda s: -abs(_float(s.get("correlation"))),
            )[:TOP_SENSITIVITY]
        ),
        uncertainty=result.get("uncertainty")
        if isinstance(result.get("uncertainty"), Mapping)
        else None,
        secondary_inputs=tuple((_process_label(processes, pid), entry) for pid, entry in secondary),
        findings=tuple(f for f in check.get("findings") or () if isinstance(f, Mapping)),
        grade=check.get("grade") if isinstance(check.get("grade"), Mapping) else None,
        submittable=bool(check.get("submittable")),
        rule_checked=" ".join(str(x) for x in (check.get("rule"), check.get("rule_version")) if x),
        input_hash=data.input_hash or str(result.get("input_hash") or ""),
        engine_version=data.engine_version or str(result.get("engine_version") or ""),
        tanji_version=__version__,
        factor_release=data.factor_release or _releases(factors_used),
        iterations=data.iterations
        or int(_float((result.get("uncertainty") or {}).get("iterations"))),
        seed=data.seed if data.seed is not None else (result.get("uncertainty") or {}).get("seed"),
        result=result,
    )


def _contributor(item: Mapping[str, Any], processes: list[ProcessEntry]) -> Contributor:
    """A by_input entry with the names of its process and input from the model."""
    pid = str(item.get("process") or "")
    key = str(item.get("key") or "")
    process = next((p for p in processes if p.id == pid), None)
    direct = key == f"{pid}/(direct emissions)"
    wanted = key.partition("/")[2]
    found = next((i for i in process.inputs if i.id == wanted), None) if process else None
    return Contributor(
        key=key,
        process=process.name if process else Names(pid, pid),
        input=None if direct else (found.name if found else Names(wanted, wanted)),
        stage=str(item.get("stage") or (process.stage if process else "")),
        value=_float(item.get("value")),
        share=_float(item.get("share")),
    )


def _process_label(processes: list[ProcessEntry], pid: str) -> Names:
    for process in processes:
        if process.id == pid:
            return process.name
    return Names(pid, pid)


def _releases(factors: list[Mapping[str, Any]]) -> str:
    """The factor releases the result names (``seed`` for the shipped table)."""
    names = sorted({str(f["release"]) for f in factors if f.get("release")})
    return ", ".join(names)


def _report_id(data: ReportInput) -> str:
    """A short, stable id: from the calculation, else from the input hash."""
    basis = (
        data.calculation_id.replace("-", "")
        or data.input_hash
        or str(data.result.get("input_hash") or "")
    )
    return "TJ-" + (basis[:10].upper() or "DRAFT")


# --- Builders ----------------------------------------------------------------------------


def _rule(rule_id: str | None, version: str | None = None) -> tuple[Rule, str]:
    """The effective rule, or the general rule (with a note) when the category has none."""
    chosen = rule_id or "general"
    try:
        return effective(get_rule(chosen, version)), ""
    except NotFound as missing:
        return effective(get_rule("general")), missing.message


def report_from_file(
    path: Path,
    *,
    release: str | None = None,
    resolver: FactorResolver | None = None,
    iterations: int = 1000,
    seed: int = 42,
    organisation: str = "",
    title: str = "",
) -> Report:
    """The report of a model file, calculated now (as ``tanji calc`` does).

    ``resolver`` binds the factors (the shipped seed table when None); ``release`` is the
    name of the release it is pinned to, recorded in the report (default: the releases
    the factors used name). Monte Carlo runs ``iterations`` times with ``seed``.
    """
    model = modelfile.read(path).model_dump(mode="json", by_alias=True, exclude_none=True)
    system, result = service.study_file(
        path, resolver=resolver or SeedTable(), iterations=iterations, seed=seed
    )
    rule, note = _rule(system.meta.get("category") or None)
    try:
        checked = check_study(system, result, rule_id=rule.id, version=rule.version)
    except NotFound as missing:  # a grading scheme the rule names is missing
        checked, note = None, missing.message
    data = result.to_dict()
    if checked is not None:
        data["rule_check"] = report_to_dict(checked)
    return assemble(
        ReportInput(
            model=model,
            result=data,
            rule=rule,
            organisation_zh=organisation,
            organisation_en=organisation,
            study_title=title,
            calculated_at=dt.datetime.now(dt.UTC),
            factor_release=release or "",
            engine_version=result.engine_version,
            input_hash=result.input_hash,
            iterations=iterations,
            seed=seed if iterations else None,
            source_name=path.name,
            rule_note=note,
        )
    )


def report_for_calculation(session: Session, *, actor: Actor, calculation_id: uuid.UUID) -> Report:
    """The report of a stored calculation the actor may see (NotFound otherwise)."""
    calculation = studies.get_calculation(session, actor=actor, calculation_id=calculation_id)
    study = studies.get_study(session, actor=actor, study_id=calculation.study_id)
    version = studies.get_version(
        session, actor=actor, study_id=study.id, number=calculation.version_number
    )
    product = session.get(Product, study.product_id)
    organisation = session.get(Organisation, study.organisation_id)
    rule, note = _rule(calculation.rule_id, calculation.rule_version)
    return assemble(
        ReportInput(
            model=studies.model_of(version),
            result=studies.result_of(calculation),
            rule=rule,
            organisation_zh=organisation.name_zh if organisation else "",
            organisation_en=(organisation.name_en or organisation.name_zh) if organisation else "",
            product_name_zh=product.name_zh if product else "",
            product_name_en=product.name_en if product else "",
            study_title=study.title,
            version_number=calculation.version_number,
            calculation_id=str(calculation.id),
            calculated_at=calculation.created_at,
            factor_release=calculation.release,
            engine_version=calculation.engine_version,
            input_hash=calculation.input_hash,
            iterations=calculation.iterations,
            seed=calculation.seed if calculation.iterations else None,
            rule_note=note,
        )
    )


__all__ = [
    "Report",
    "ReportInput",
    "assemble",
    "report_for_calculation",
    "report_from_file",
]
