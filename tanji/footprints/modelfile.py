"""The product model file (YAML or JSON) that an enterprise writes, and its loader.

The pydantic models below are the file format: ``tanji model schema`` prints their JSON
Schema and ``docs/model-format.md`` explains them. :func:`load` reads a file, validates
it, binds factor references through a :class:`~tanji.factors.resolve.FactorResolver`
and returns the engine's :class:`~tanji.core.model.ProductSystem`. Every error names the
offending field as a path (``processes[2].inputs[0].unit``) or the line of a syntax error.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticKnownError

from tanji.core import model as core
from tanji.core.errors import InvalidInput, Loc, TanjiError, format_loc
from tanji.core.gwp import SETS
from tanji.core.i18n import N_, _, in_language, ngettext
from tanji.core.units import conversion_factor, parse_unit
from tanji.factors.resolve import FactorRef, FactorResolver, SeedTable

FORMAT = "tanji-model/1"
Slug = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=120)]
# A factor id: a factor database slug, or ``pact:<footprint id>`` for a supplier's PACT
# footprint in the organisation's library (see tanji.exchange.pact.library).
FactorId = Annotated[
    str,
    Field(
        pattern=r"^(pact:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
        r"|[A-Za-z0-9][A-Za-z0-9_.\-]*)$",
        max_length=120,
    ),
]
Score = Annotated[int, Field(ge=1, le=5)]


class Spec(BaseModel):
    # Infinite or NaN amounts would pass the sign checks and poison the solve.
    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, frozen=True, allow_inf_nan=False
    )


class Names(Spec):
    """A name in Chinese and English; at least one is required."""

    zh: str | None = None
    en: str | None = None

    @model_validator(mode="after")
    def _one_name(self) -> Names:
        if not (self.zh or self.en):
            raise ValueError(_("Give a name in Chinese (zh) or English (en)."))
        return self

    def text(self) -> str:
        """The name in the current interface language, else the other one."""
        return in_language(self.zh, self.en)


def _unit(value: str) -> str:
    try:
        parse_unit(value)
    except TanjiError as exc:
        raise ValueError(exc.message) from None
    return value


UnitText = Annotated[str, AfterValidator(_unit), Field(description="A unit, e.g. kg, t, kWh, t*km")]


class Amount(Spec):
    amount: float = Field(gt=0)
    unit: UnitText


class Period(Spec):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(_("The period ends before it starts."))
        return self


class CutoffLimits(Spec):
    each: float = Field(0.01, ge=0, le=1)
    total: float = Field(0.05, ge=0, le=1)


class ProductSpec(Spec):
    """The product studied and the scope of the study (GB/T 24067-2024 §6)."""

    id: Slug
    name: Names
    category: Slug | None = Field(None, description="Product-rule id, e.g. electrolytic-aluminium")
    unit: Amount = Field(description="Functional or declared unit (功能单位 / 声明单位)")
    unit_kind: Literal["declared", "functional"] = "declared"
    boundary: core.Boundary = core.Boundary.CRADLE_TO_GATE
    geography: str = Field("CN", pattern=r"^([A-Z]{2}(-[A-Z0-9]{1,3})?|GLO)$")
    period: Period | None = None
    gwp: str = "AR6"
    reference: Slug | None = Field(None, description="Process (or product) id of the product")
    biogenic_carbon: Amount | None = Field(
        None, description="Biogenic carbon (as C) contained in one declared unit"
    )
    cutoff_limits: CutoffLimits = CutoffLimits()
    description: str | None = None

    @field_validator("gwp")
    @classmethod
    def _known_set(cls, value: str) -> str:
        if value.upper() not in SETS:
            raise ValueError(_("Unknown GWP set; use one of {sets}.").format(sets=", ".join(SETS)))
        return value.upper()


class Quality(Spec):
    """Pedigree scores, 1 (best) to 5 (worst)."""

    reliability: Score = 3
    completeness: Score = 3
    temporal: Score = 3
    geographical: Score = 3
    technological: Score = 3


class UncertaintySpec(Spec):
    distribution: Literal["lognormal", "normal", "triangular", "uniform", "fixed"]
    gsd: float | None = Field(None, ge=1, description="Geometric standard deviation (lognormal)")
    sd: float | None = Field(None, ge=0, description="Standard deviation (normal)")
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _parameters(self) -> UncertaintySpec:
        needed = {
            "lognormal": ("gsd",),
            "normal": ("sd",),
            "triangular": ("min", "max"),
            "uniform": ("min", "max"),
            "fixed": (),
        }[self.distribution]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(
                _("A {kind} distribution needs {fields}.").format(
                    kind=self.distribution, fields=", ".join(missing)
                )
            )
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(_("min is larger than max."))
        return self


class InlineFactor(Spec):
    """An emission factor written into the model: ``value`` kg of ``gas`` per ``unit``."""

    value: float
    unit: UnitText
    gas: str = "CO2e"
    origin: core.Origin = core.Origin.FOSSIL
    source: str = Field(min_length=1, description="Citation: document, table, year, URL")
    name: str | None = None
    data: core.DataKind = core.DataKind.SECONDARY
    quality: Quality | None = None
    uncertainty: UncertaintySpec | None = None


class FlowFactor(Spec):
    """A factor chosen from the database by flow: the best for the region and year.

    The resolver walks the region chain (CN-SX → North China grid → CN → global) and takes
    the nearest year; the rule it used is recorded in the result.
    """

    flow: Slug = Field(description="Flow (factor family) id, e.g. electricity-footprint")
    geography: str | None = Field(
        None, description="Region wanted; defaults to the product's geography"
    )
    year: int | None = Field(None, description="Year wanted; defaults to the period's start year")


# A factor is an id, an inline factor or a flow reference. The discriminator validates only
# the branch the file uses, so errors read ``factor.source``, not one error per union
# member; the tags, which no field can be named, are dropped from error paths by
# :func:`validate`.
_FACTOR_TAGS = ("factor id", "inline factor", "flow reference")


def _factor_kind(value: Any) -> str:
    if isinstance(value, FlowFactor) or (isinstance(value, dict) and "flow" in value):
        return _FACTOR_TAGS[2]
    return _FACTOR_TAGS[1] if isinstance(value, dict | InlineFactor) else _FACTOR_TAGS[0]


FactorChoice = Annotated[
    Annotated[FactorId, Tag(_FACTOR_TAGS[0])]
    | Annotated[InlineFactor, Tag(_FACTOR_TAGS[1])]
    | Annotated[FlowFactor, Tag(_FACTOR_TAGS[2])],
    Discriminator(_factor_kind),
]


class AvoidedSpec(Spec):
    factor: FactorChoice | None = None
    from_: Slug | None = Field(None, alias="from")

    @model_validator(mode="after")
    def _one(self) -> AvoidedSpec:
        if (self.factor is None) == (self.from_ is None):
            raise ValueError(_("Give either 'factor' or 'from' for the avoided product."))
        return self


class OutputSpec(Spec):
    id: Slug
    name: Names | None = None
    amount: float = Field(gt=0)
    unit: UnitText
    reference: bool = False
    mass: str | None = Field(None, description="Mass per unit of output, e.g. '1000 kg/t'")
    energy: str | None = Field(None, description="Energy per unit of output, e.g. '29.3 MJ/kg'")
    price: str | None = Field(None, description="Price per unit of output, e.g. '2000 CNY/t'")
    share: float | None = Field(None, ge=0, le=1)
    avoided: AvoidedSpec | None = None

    @field_validator("mass", "energy", "price")
    @classmethod
    def _quantity(cls, value: str | None) -> str | None:
        return None if value is None else _unit(value)


class InputSpec(Spec):
    id: Slug
    name: Names | None = None
    amount: float = Field(ge=0)
    unit: UnitText
    from_: Slug | None = Field(None, alias="from", description="Process or product id")
    factor: FactorChoice | None = None
    data: core.DataKind = core.DataKind.PRIMARY
    quality: Quality | None = None
    uncertainty: UncertaintySpec | None = None
    aircraft: bool = False
    source: str | None = None

    @model_validator(mode="after")
    def _one_provider(self) -> InputSpec:
        if (self.from_ is None) == (self.factor is None):
            raise ValueError(_("An input needs exactly one of 'from' (a process) or 'factor'."))
        return self


class EmissionSpec(Spec):
    gas: str
    amount: float = Field(ge=0)
    unit: UnitText = "kg"
    origin: core.Origin = core.Origin.FOSSIL
    data: core.DataKind = core.DataKind.PRIMARY
    quality: Quality | None = None
    uncertainty: UncertaintySpec | None = None
    source: str | None = None


class RemovalSpec(Spec):
    gas: Literal["CO2"] = "CO2"
    amount: float = Field(ge=0)
    unit: UnitText = "kg"
    data: core.DataKind = core.DataKind.PRIMARY
    quality: Quality | None = None
    uncertainty: UncertaintySpec | None = None
    source: str | None = None


class ProcessSpec(Spec):
    id: Slug
    name: Names
    stage: core.Stage = core.Stage.PRODUCTION
    allocation: core.Allocation | None = None
    outputs: list[OutputSpec] = Field(min_length=1)
    inputs: list[InputSpec] = []
    emissions: list[EmissionSpec] = []
    removals: list[RemovalSpec] = []
    data: core.DataKind = core.DataKind.PRIMARY
    source: str | None = None

    @model_validator(mode="after")
    def _references(self) -> ProcessSpec:
        marked = [o.id for o in self.outputs if o.reference]
        if len(marked) > 1:
            raise ValueError(_("Only one output can be the reference product."))
        return self


class CutoffSpec(Spec):
    name: Names
    share: float = Field(ge=0, le=1, description="Estimated share of the total footprint")
    reason: str | None = None


class ModelFile(Spec):
    """A product model: the product, its processes and the declared cut-offs."""

    format: Literal["tanji-model/1"] = FORMAT
    product: ProductSpec
    processes: list[ProcessSpec] = Field(min_length=1)
    cutoffs: list[CutoffSpec] = []


class ModelError(InvalidInput):
    """A model file with one or more problems; ``problems`` lists (loc, message)."""

    def __init__(self, problems: list[tuple[Loc, str]], *, source: str = "") -> None:
        loc, message = problems[0]
        super().__init__(message, loc=loc)
        self.problems = problems
        self.source = source

    def lines(self) -> list[str]:
        prefix = f"{self.source}: " if self.source else ""
        return [
            f"{prefix}{format_loc(loc)}: {message}" if loc else f"{prefix}{message}"
            for loc, message in self.problems
        ]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the model file, as ``tanji model schema`` prints it."""
    schema = ModelFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Tanji product model (tanji-model/1)"
    return schema


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one mapping.

    Plain YAML keeps the last value silently, so a pasted line could change a footprint
    without any warning.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, list | dict):
                continue  # unhashable; the base constructor reports it
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    _("the key '{key}' is given twice").format(key=key),
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_text(text: str, *, name: str = "model") -> dict[str, Any]:
    """Parse YAML or JSON text; a syntax error names the line and column."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no Python objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = _position(mark.line + 1, mark.column + 1) if mark else ""
        problem = (exc.problem or str(exc)).strip()
        raise ModelError(
            [((where,), _("YAML syntax error: {problem}.").format(problem=problem))], source=name
        ) from None
    except yaml.YAMLError as exc:
        raise ModelError(
            [((), _("Cannot read the file: {error}").format(error=exc))], source=name
        ) from None
    if not isinstance(data, dict):
        raise ModelError(
            [((), _("The model must be a mapping with 'product' and 'processes'."))], source=name
        )
    return data


def validate(data: dict[str, Any], *, name: str = "model") -> ModelFile:
    """Validate parsed data against the format; all problems are reported with paths."""
    try:
        return ModelFile.model_validate(data)
    except ValidationError as exc:
        problems = [
            (tuple(part for part in error["loc"] if part not in _FACTOR_TAGS), _friendly(error))
            for error in exc.errors()
        ]
        raise ModelError(problems, source=name) from None


def _position(line: int, column: int) -> str:
    """Where a syntax error is, in place of a field path."""
    return _("line {line}, column {column}").format(line=line, column=column)


# Pydantic's own message templates for errors a model file can meet, marked for
# translation; a template not listed here (or reworded by a newer pydantic) stays English.
_PYDANTIC_TEMPLATES = (
    N_("Input should be greater than {gt}"),
    N_("Input should be greater than or equal to {ge}"),
    N_("Input should be less than {lt}"),
    N_("Input should be less than or equal to {le}"),
    N_("Input should be a finite number"),
    N_("Input should be a valid number"),
    N_("Input should be a valid number, unable to parse string as a number"),
    N_("Input should be a valid integer"),
    N_("Input should be a valid integer, unable to parse string as an integer"),
    N_("Input should be a valid integer, got a number with a fractional part"),
    N_("Input should be a valid boolean"),
    N_("Input should be a valid boolean, unable to interpret input"),
    N_("Input should be a valid string"),
    N_("String should match pattern '{pattern}'"),
    N_("Input should be a valid list"),
    N_("Input should be a valid dictionary"),
    N_("Input should be a valid dictionary or instance of {class_name}"),
    N_("Input should be {expected}"),
    N_("Input should be a valid date"),
    N_("Input should be a valid date in the format YYYY-MM-DD, {error}"),
    N_("Input should be a valid date or datetime, {error}"),
)


def _friendly(error: dict[str, Any]) -> str:
    """The message of one validation error in the current language, when Tanji knows it."""
    kind = error.get("type", "")
    ctx = dict(error.get("ctx") or {})
    if kind == "extra_forbidden":
        return _("Unknown field; check its spelling against `tanji model schema`.")
    if kind == "missing":
        return _("This field is required.")
    if kind == "string_too_long":
        count = int(ctx.get("max_length", 0))
        return ngettext(
            "String should have at most {count} character",
            "String should have at most {count} characters",
            count,
        ).format(count=count)
    if kind == "string_too_short":
        count = int(ctx.get("min_length", 0))
        return ngettext(
            "String should have at least {count} character",
            "String should have at least {count} characters",
            count,
        ).format(count=count)
    if kind == "too_short":
        count = int(ctx.get("min_length", 0))
        return ngettext(
            "Should have at least {count} item, not {actual}",
            "Should have at least {count} items, not {actual}",
            count,
        ).format(count=count, actual=ctx.get("actual_length", 0))
    message = str(error.get("msg", ""))
    if kind == "value_error":  # raised by Tanji's validators: already translated
        return message.removeprefix("Value error, ")
    try:
        template = PydanticKnownError(kind, ctx or None).message_template
    except (KeyError, TypeError, ValueError):
        return message
    if template not in _PYDANTIC_TEMPLATES:
        return message
    for key, value in ctx.items():  # pydantic writes a limit of 0.0 as "0"
        if isinstance(value, float) and value.is_integer():
            ctx[key] = int(value)
    if "expected" in ctx:  # "'a', 'b' or 'c'", joined by pydantic in English
        ctx["expected"] = str(ctx["expected"]).replace(" or ", _(" or "))
    try:
        return _(template).format(**ctx)
    except (KeyError, IndexError, ValueError):
        return message


def read(path: Path) -> ModelFile:
    """Read and validate a model file (YAML or JSON)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(_("No such file: {path}").format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(_("Cannot read {path}: {error}").format(path=path, error=exc)) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ModelError(
                [
                    (
                        (_position(exc.lineno, exc.colno),),
                        _("JSON syntax error: {problem}.").format(problem=exc.msg),
                    )
                ],
                source=path.name,
            ) from None
        if not isinstance(data, dict):
            raise ModelError(
                [((), _("The model must be a mapping with 'product' and 'processes'."))],
                source=path.name,
            )
    else:
        data = parse_text(text, name=path.name)
    return validate(data, name=path.name)


def load(path: Path, resolver: FactorResolver | None = None) -> core.ProductSystem:
    """Read a model file and bind its factors: the product system ready to calculate."""
    spec = read(path)
    try:
        return to_system(spec, resolver or SeedTable())
    except ModelError:
        raise
    except InvalidInput as exc:
        raise ModelError([(exc.loc, exc.message)], source=path.name) from None


def to_system(spec: ModelFile, resolver: FactorResolver) -> core.ProductSystem:
    """Convert a validated model into the engine's product system."""
    product = spec.product
    processes = tuple(
        _process(process, (("processes", index)), resolver, product)
        for index, process in enumerate(spec.processes)
    )
    reference = product.reference or spec.processes[0].id
    carbon = 0.0
    if product.biogenic_carbon is not None:
        kg = product.biogenic_carbon.amount * conversion_factor(
            product.biogenic_carbon.unit, "kg", loc=("product", "biogenic_carbon", "unit")
        )
        carbon = kg / product.unit.amount
    return core.ProductSystem(
        processes=processes,
        reference_product=reference,
        amount=product.unit.amount,
        unit=product.unit.unit,
        gwp_set=product.gwp,
        cutoffs=tuple(
            core.Cutoff(
                name=cutoff.name.text(),
                share=cutoff.share,
                reason=cutoff.reason or "",
                loc=("cutoffs", i),
            )
            for i, cutoff in enumerate(spec.cutoffs)
        ),
        cutoff_limits=(product.cutoff_limits.each, product.cutoff_limits.total),
        carbon_content=carbon,
        meta={
            "product_id": product.id,
            "name_zh": product.name.zh or "",
            "name_en": product.name.en or "",
            "category": product.category or "",
            "boundary": product.boundary.value,
            "geography": product.geography,
            "unit_kind": product.unit_kind,
            "period": f"{product.period.start}/{product.period.end}" if product.period else "",
        },
    )


def _pedigree(quality: Quality | None) -> core.Pedigree | None:
    if quality is None:
        return None
    return core.Pedigree(
        quality.reliability,
        quality.completeness,
        quality.temporal,
        quality.geographical,
        quality.technological,
    )


def _uncertainty(spec: UncertaintySpec | None) -> core.Uncertainty | None:
    if spec is None:
        return None
    return core.Uncertainty(
        spec.distribution, gsd=spec.gsd, sd=spec.sd, minimum=spec.min, maximum=spec.max
    )


def _factor(
    value: str | InlineFactor | FlowFactor,
    resolver: FactorResolver,
    loc: Loc,
    product: ProductSpec,
    unit: str | None = None,
) -> core.Factor:
    year = product.period.start.year if product.period else None
    if isinstance(value, str):
        ref = FactorRef(slug=value, unit=unit, geography=product.geography, year=year)
        return resolver.resolve(ref, loc=loc)
    if isinstance(value, FlowFactor):
        ref = FactorRef(
            flow=value.flow,
            unit=unit,
            geography=value.geography or product.geography,
            year=value.year or year,
        )
        return resolver.resolve(ref, loc=loc)
    name = value.name or f"inline:{format_loc(loc)}"
    return core.Factor(
        id=f"inline:{format_loc(loc)}",
        unit=value.unit,
        gases=(core.GasAmount(value.gas, value.value, value.origin),),
        name=name,
        source=value.source,
        data=value.data,
        quality=_pedigree(value.quality),
        uncertainty=_uncertainty(value.uncertainty),
    )


def _process(
    spec: ProcessSpec, loc: Loc, resolver: FactorResolver, product: ProductSpec
) -> core.Process:
    outputs = []
    for index, output in enumerate(spec.outputs):
        where = (*loc, "outputs", index)
        avoided: core.Factor | str | None = None
        if output.avoided is not None:
            if output.avoided.factor is not None:
                avoided = _factor(
                    output.avoided.factor,
                    resolver,
                    (*where, "avoided", "factor"),
                    product,
                    output.unit,
                )
            else:
                avoided = output.avoided.from_
        properties = {
            key: getattr(output, key) for key in ("mass", "energy", "price") if getattr(output, key)
        }
        outputs.append(
            core.Output(
                id=output.id,
                amount=output.amount,
                unit=output.unit,
                name=output.name.text() if output.name else "",
                reference=output.reference,
                properties=properties,
                share=output.share,
                avoided=avoided,
                loc=where,
            )
        )
    inputs = []
    for index, item in enumerate(spec.inputs):
        where = (*loc, "inputs", index)
        provider: core.Factor | str
        if item.factor is not None:
            provider = _factor(item.factor, resolver, (*where, "factor"), product, item.unit)
        else:
            provider = item.from_ or ""
        inputs.append(
            core.Input(
                id=item.id,
                amount=item.amount,
                unit=item.unit,
                provider=provider,
                name=item.name.text() if item.name else item.id,
                data=item.data,
                quality=_pedigree(item.quality),
                uncertainty=_uncertainty(item.uncertainty),
                aircraft=item.aircraft,
                loc=where,
            )
        )
    emissions = [
        core.Emission(
            gas=e.gas,
            amount=e.amount,
            unit=e.unit,
            origin=e.origin,
            data=e.data,
            quality=_pedigree(e.quality),
            uncertainty=_uncertainty(e.uncertainty),
            loc=(*loc, "emissions", index),
        )
        for index, e in enumerate(spec.emissions)
    ]
    emissions += [
        core.Emission(
            gas=r.gas,
            amount=r.amount,
            unit=r.unit,
            origin=core.Origin.BIOGENIC,
            removal=True,
            data=r.data,
            quality=_pedigree(r.quality),
            uncertainty=_uncertainty(r.uncertainty),
            loc=(*loc, "removals", index),
        )
        for index, r in enumerate(spec.removals)
    ]
    return core.Process(
        id=spec.id,
        outputs=tuple(outputs),
        inputs=tuple(inputs),
        emissions=tuple(emissions),
        name=spec.name.text(),
        stage=spec.stage,
        allocation=spec.allocation,
        loc=loc,
    )
