"""The product-rule file format: versioned YAML under ``tanji/data/rules/``.

A rule says what a study of one product category must include (unit, boundary, stages,
required inputs, electricity accounting, allocation, cut-offs, data quality, reporting)
and which standard it follows. Rules are data so that a national standard can replace a
group standard by shipping a new file, never by changing code.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tanji.core.model import Allocation, Boundary, Stage

Severity = Literal["error", "warning", "info"]
SLUG = r"^[a-z0-9][a-z0-9\-]*$"


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Spec):
    """Text in Chinese and English."""

    zh: str
    en: str


class Standard(Spec):
    """The document the rule follows."""

    id: str = Field(description="e.g. GB/T 44905-2024, T/CPCIF 0466-2025, or 'GB/T 24067-2024'")
    title: Text
    kind: Literal["national", "industry", "group", "local", "derived"] = Field(
        description="derived: no product standard is published; the rule applies the general one"
    )
    year: int | None = None
    url: str = ""
    note: str = ""


class UnitSpec(Spec):
    amount: float = Field(gt=0)
    unit: str
    kind: Literal["declared", "functional"] = "declared"
    note: Text | None = None


class Match(Spec):
    """How to recognise a required item in a model: any one criterion suffices.

    ``gases``: a direct emission or factor gas of these ids; ``flows``: a factor of these
    flows or slugs (prefix match, e.g. ``electricity-``); ``keywords``: words in an input's
    id or name, or its factor's id or name (case-insensitive, Chinese or English);
    ``dimensions``: an input whose unit has this dimension (energy, mass, normal volume …).
    """

    gases: tuple[str, ...] = ()
    flows: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    stages: tuple[Stage, ...] = Field((), description="Only look in processes of these stages")


class Requirement(Spec):
    """An input, emission or process that the study must contain."""

    id: str = Field(pattern=SLUG)
    name: Text
    clause: str = Field(description="The clause of the standard, e.g. '§6.3.2'")
    match: Match
    severity: Severity = "error"
    advice: Text


class Electricity(Spec):
    """Electricity accounting: which factor families a product footprint may use."""

    forbidden_flows: tuple[str, ...] = ("electricity-grid-co2", "electricity-fossil-power-co2")
    clause: str = ""
    advice: Text | None = None


class AllocationRule(Spec):
    """Allowed ways to handle co-products (e.g. slag, coke-oven gas, by-product hydrogen)."""

    methods: tuple[Allocation, ...]
    co_products: tuple[Text, ...] = ()
    clause: str = ""
    advice: Text | None = None


class CutoffRule(Spec):
    each: float = Field(0.01, ge=0, le=1)
    total: float = Field(0.05, ge=0, le=1)
    clause: str = ""


class DataQualityRule(Spec):
    """Primary data for the processes the company owns or controls."""

    primary_stages: tuple[Stage, ...] = (Stage.PRODUCTION,)
    min_primary_share: float = Field(0.0, ge=0, le=1)
    max_period_days: int = Field(
        366, description="Longest reference period (GB/T 24067 asks for a recent year)"
    )
    clause: str = ""


class Rule(Spec):
    """One product category rule (or the general rule)."""

    id: str = Field(pattern=SLUG)
    version: str
    names: Text
    standard: Standard
    derives_from: str | None = Field(None, description="id of the rule this one builds on")
    supersedes: tuple[str, ...] = Field((), description="rules (id@version) this replaces")
    unit: UnitSpec | None = None
    boundaries: tuple[Boundary, ...] = (Boundary.CRADLE_TO_GATE, Boundary.CRADLE_TO_GRAVE)
    stages: tuple[Stage, ...] = Field((), description="Stages the study must cover")
    requirements: tuple[Requirement, ...] = ()
    electricity: Electricity = Electricity()
    allocation: AllocationRule | None = None
    recycling: Text | None = None
    cutoff: CutoffRule = CutoffRule()
    data_quality: DataQualityRule = DataQualityRule()
    gwp: Literal["AR6", "AR5", "AR4"] = "AR6"
    reporting: tuple[Text, ...] = ()
    grading: str | None = Field(None, description="id of the grading scheme for this category")
    notes: str = ""


class Threshold(Spec):
    """Grade ``grade`` when the value is at most ``max`` (per the scheme's unit)."""

    max: float
    grade: int = Field(ge=1, le=5)
    label: Text


class Source(Spec):
    document: str
    table: str = ""
    year: int | None = None
    url: str = ""


class GradingScheme(Spec):
    """How a category's footprints are graded 1 (best) to 5; always explained by its source.

    ``absolute``: thresholds in kg CO2e per ``unit``; above the last one, ``otherwise``.
    ``ratio``: bands on K = value / benchmark, e.g. 0.6 / 0.8 / 1.2 / 2.0 (Zhejiang 碳效码).
    ``percentile``: cut-points (in %) of the footprints published on the platform.
    """

    id: str = Field(pattern=SLUG)
    version: str
    names: Text
    kind: Literal["absolute", "ratio", "percentile"]
    unit: UnitSpec
    source: Source
    thresholds: tuple[Threshold, ...] = ()
    otherwise: Threshold | None = None
    benchmark: float | None = Field(None, gt=0, description="kg CO2e per unit, for ratio")
    bands: tuple[float, ...] = ()
    cut_points: tuple[float, ...] = ()
    minimum_sample: int = Field(10, ge=2)
    labels: tuple[Text, ...] = Field((), description="Labels of grades 1..5 (ratio, percentile)")
